"""What a poll shows, from its stored record (options with votes, or the words of a
cloud), and what a ballot sent to it means.

Shared by the routes (`GET /polls/{id}`, votes over HTTP), the audience socket (votes
over WebSocket), the hub (`poll` frames) and the export, so a poll reads and votes the same
everywhere. Words are grouped by their shown form (plurals folded,
wall/moderation/words.py); a held or hidden word is never in the public view, only in the
moderators' one.
"""

from __future__ import annotations

import json
from typing import Any

from wall.models import Event
from wall.moderation.words import BadWord, groups, held_by_word_list, normalise_word
from wall.store import polls as store
from wall.store.client import Client

MAX_SHOWN_WORDS = 60


def word_groups(rec: store.PollRecord) -> list[dict[str, Any]]:
    """Every word form with its votes and state (shown, held, hidden), most votes first."""
    out: list[dict[str, Any]] = []
    for head, members in groups(rec.tally).items():
        states = {rec.marks.get(m, "") for m in members}
        state = "hidden" if "hidden" in states else "held" if "held" in states else "shown"
        out.append({"text": head, "count": sum(rec.tally[m] for m in members),
                    "state": state, "forms": members})
    out.sort(key=lambda w: (-int(w["count"]), str(w["text"])))
    return out


def public(rec: store.PollRecord) -> dict[str, Any]:
    """`{"id", "question", "type", "status", "options"|"words", "total"}` (SPEC)."""
    meta = rec.meta
    state: dict[str, Any] = {"id": meta["id"], "question": meta["question"],
                             "type": meta["type"], "status": meta["status"]}
    if meta["type"] == store.WORDS:
        shown = [w for w in word_groups(rec) if w["state"] == "shown"]
        state["words"] = [{"text": w["text"], "count": w["count"]}
                          for w in shown[:MAX_SHOWN_WORDS]]
        state["total"] = sum(w["count"] for w in shown)
    else:
        options = json.loads(meta.get("options") or "[]")
        state["options"] = [{"text": text, "votes": rec.tally.get(str(n), 0)}
                            for n, text in enumerate(options)]
        state["total"] = sum(o["votes"] for o in state["options"])
    return state


async def public_state(redis: Client, slug: str, poll_id: str) -> dict[str, Any] | None:
    """The poll as phones and walls see it, or None when there is no such poll."""
    rec = await store.record(redis, slug, poll_id)
    return public(rec) if rec is not None else None


async def current_state(redis: Client, slug: str) -> dict[str, Any] | None:
    """The poll opened last (open, or closed since) as phones and walls see it."""
    poll_id = await store.current_id(redis, slug)
    return await public_state(redis, slug, poll_id) if poll_id else None


async def every_poll(redis: Client, slug: str) -> list[dict[str, Any]]:
    """Every poll, oldest first, with its times (the desk, the export and the report)."""
    out = []
    for poll_id in await store.poll_ids(redis, slug):
        rec = await store.record(redis, slug, poll_id)
        if rec is not None:
            out.append({**public(rec), **{k: rec.meta.get(k) for k in
                                          ("created_at", "opened_at", "closed_at")}})
    return out


class BadBallot(ValueError):
    """The ballot does not fit the poll: `field` (option, text) and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def ballot(event: Event, poll: store.PollDef, data: dict[str, Any]) -> tuple[str, bool]:
    """(what is counted, held by the word list) for `{"option": n}` or `{"text": word}`."""
    if poll.type == store.WORDS:
        text = data.get("text")
        if not isinstance(text, str):
            raise BadBallot("text", "send a word or a short phrase as text")
        try:
            word = normalise_word(text)
        except BadWord as exc:
            raise BadBallot("text", str(exc)) from exc
        return word, held_by_word_list(event, word)
    option = data.get("option")
    if isinstance(option, bool) or not isinstance(option, int) \
            or not 0 <= option < len(poll.options):
        raise BadBallot("option", f"option must be a number from 0 to {len(poll.options) - 1}")
    return str(option), False
