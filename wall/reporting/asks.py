"""The record of what the room asked and what was promised: every approved question with its
votes, answer state and note, and every poll with its results, for the export and the
report.

A question is published like any approved item (its displayed author, never an author
key); the answer's note is the moderators' public summary ("the mayor answers in writing
by June"), the moderator's name is not published. Polls are published with their totals
only: a ballot names a device or a phone, so no ballot leaves the store. A word cloud
lists only the words that were shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wall.polls import every_poll
from wall.store import questions as store
from wall.store.client import Client

ANSWER_STATES = ("answered", "follow_up")

QUESTION_COLUMNS: list[tuple[str, str]] = [
    ("id", "Identifier of the question in this event (the same as in the items table)."),
    ("received_at", "When the question was received (UTC)."),
    ("source", "Where it was sent from: web, sms, x, mastodon or bluesky."),
    ("author", "The name shown on the wall, as chosen by its author (may be empty)."),
    ("text", "The question, exactly as shown."),
    ("votes", "Upvotes from the room (one per phone)."),
    ("answer", "answered, follow_up (an answer was promised), or empty (not answered)."),
    ("note", "The moderators' note on the answer: who answered, what was promised."),
    ("answered_at", "When the answer state was last set (UTC)."),
]


@dataclass
class PublishedQuestion:
    """One approved question, reduced to what may be published."""

    id: str
    received_at: str
    source: str
    author: str
    text: str
    votes: int
    answer: str
    note: str
    answered_at: str


@dataclass
class PublishedPoll:
    """One poll and its results (options with votes, or the words that were shown)."""

    id: str
    question: str
    kind: str  # choice | words
    status: str
    opened_at: str
    closed_at: str
    total: int
    options: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)


async def published_questions(redis: Client, slug: str) -> list[PublishedQuestion]:
    """Every approved question, most votes first."""
    return [PublishedQuestion(q.id, q.received_at, q.source, q.author, q.text, q.votes,
                              q.answer or "", q.note, q.answered_at if q.answer else "")
            for q in await store.approved_questions(redis, slug)]


async def published_polls(redis: Client, slug: str) -> list[PublishedPoll]:
    """Every poll that was opened, oldest first (a draft never shown is left out)."""
    return [PublishedPoll(p["id"], p["question"], p["type"], p["status"],
                          p.get("opened_at") or "", p.get("closed_at") or "", p["total"],
                          p.get("options", []), p.get("words", []))
            for p in await every_poll(redis, slug) if p["status"] != "draft"]


def question_rows(questions: list[PublishedQuestion]) -> list[list[str]]:
    """The questions table: a header row, then one row per question."""
    rows = [[name for name, _ in QUESTION_COLUMNS]]
    rows += [[q.id, q.received_at, q.source, q.author, q.text, str(q.votes), q.answer,
              q.note, q.answered_at] for q in questions]
    return rows
