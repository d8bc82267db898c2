"""The figures of the report: posts per source and per 5 minutes, reaction peaks, the most
reacted items, and moderation (counts, who decided, median time to decision).

"Most reacted" is an estimate: taps are counted per minute, not per item, so an item's score
is the number of taps in the minute it appeared on the wall and the next one
(`REACTION_WINDOW`). Items shown within the same window share those taps; the report says
how many others were shown alongside.

A rehearsal's copy of an event (wall/rehearsal/naming.py) reports nothing: empty figures.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from wall.models import SOURCES, Event, Item
from wall.moderation.charter import AUTHOR
from wall.rehearsal.naming import is_rehearsal
from wall.reporting.asks import (
    PublishedPoll,
    PublishedQuestion,
    published_polls,
    published_questions,
)
from wall.reporting.dataset import (
    PublishedCaption,
    PublishedItem,
    approved_items,
    continuous,
    published_captions,
)
from wall.store import exports
from wall.store.client import Client

BUCKET_S = 300
REACTION_WINDOW = 2  # minutes: the one an item appeared in, and the next
PEAKS = 3
PEAK_GAP = 3  # minutes between two reported peaks
MOST_REACTED = 5


@dataclass
class SourceCount:
    source: str
    received: int = 0
    approved: int = 0


@dataclass
class Bucket:
    start: int  # epoch seconds
    received: int = 0
    approved: int = 0


@dataclass
class Peak:
    minute: int
    total: int
    on_wall: PublishedItem | None


@dataclass
class Reacted:
    item: PublishedItem
    reactions: int
    alongside: int  # other items that appeared within the same window


@dataclass
class Moderation:
    received: int = 0
    approved: int = 0
    rejected: int = 0
    retracted: int = 0
    pending: int = 0
    by_rules: int = 0
    by_moderators: int = 0
    median_s: float | None = None
    median_moderator_s: float | None = None
    moderators: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Report:
    event: Event
    sources: list[SourceCount]
    buckets: list[Bucket]
    minutes: list[tuple[int, int]]  # (epoch minute, taps)
    totals: dict[str, int]
    peaks: list[Peak]
    most_reacted: list[Reacted]
    moderation: Moderation
    # Every approved question with its answer state, and the polls (reporting/asks.py).
    questions: list[PublishedQuestion] = field(default_factory=list)
    polls: list[PublishedPoll] = field(default_factory=list)
    # The captions, as the event's transcript (wall/store/captions.py).
    transcript: list[PublishedCaption] = field(default_factory=list)


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def per_source(items: list[Item], states: dict[str, str]) -> list[SourceCount]:
    counts = {s: SourceCount(s) for s in SOURCES}
    for item in items:
        row = counts.setdefault(item.source, SourceCount(item.source))
        row.received += 1
        row.approved += states.get(item.id) == "approved"
    return [c for c in counts.values() if c.received]


def per_bucket(items: list[Item], states: dict[str, str]) -> list[Bucket]:
    """Posts received per 5 minutes (and how many of them are on the wall), no gaps."""
    found: dict[int, Bucket] = {}
    for item in items:
        start = int(epoch(item.received_at)) // BUCKET_S * BUCKET_S
        bucket = found.setdefault(start, Bucket(start))
        bucket.received += 1
        bucket.approved += states.get(item.id) == "approved"
    if not found:
        return []
    return [found.get(s, Bucket(s)) for s in range(min(found), max(found) + 1, BUCKET_S)]


def on_wall_at(published: list[PublishedItem], moment: float) -> PublishedItem | None:
    """The item that appeared last before `moment` (published is in order of appearance)."""
    shown = [p for p in published if p.approved_at and epoch(p.approved_at) <= moment]
    return shown[-1] if shown else None


def peaks(minutes: list[tuple[int, int]], published: list[PublishedItem]) -> list[Peak]:
    """The busiest minutes, at least PEAK_GAP apart, with what the wall showed then."""
    chosen: list[tuple[int, int]] = []
    for minute, total in sorted(minutes, key=lambda m: (-m[1], m[0])):
        if total and all(abs(minute - c) >= PEAK_GAP for c, _ in chosen):
            chosen.append((minute, total))
        if len(chosen) == PEAKS:
            break
    return [Peak(m, t, on_wall_at(published, (m + 1) * 60)) for m, t in chosen]


def most_reacted(published: list[PublishedItem], taps: dict[int, int]) -> list[Reacted]:
    shown = [(p, int(epoch(p.approved_at)) // 60) for p in published if p.approved_at]
    scored = []
    for item, start in shown:
        window = range(start, start + REACTION_WINDOW)
        score = sum(taps.get(m, 0) for m in window)
        alongside = sum(1 for other, s in shown if other is not item and s in window)
        scored.append(Reacted(item, score, alongside))
    scored.sort(key=lambda r: (-r.reactions, r.item.approved_at))
    return [r for r in scored if r.reactions][:MOST_REACTED]


def moderation(items: list[Item], states: dict[str, str],
               audit: list[dict[str, str]]) -> Moderation:
    """Counts by final state, first decisions by rules or people, median delays."""
    received = {i.id: epoch(i.received_at) for i in items}
    out = Moderation(received=len(items))
    for state in states.values():
        if state in ("approved", "rejected", "retracted", "pending"):
            setattr(out, state, getattr(out, state) + 1)
    delays: list[float] = []
    human: list[float] = []
    decided: set[str] = set()
    people: dict[str, int] = {}
    for entry in audit:
        item_id, by = entry.get("id", ""), entry.get("by", "")
        if by == AUTHOR:  # withdrawn by its author (wall/routes/authors.py): nobody's call
            continue
        # A moderator's decision may name a charter rule too (`charter:<code>`).
        automatic = by == "rules"
        if not automatic:
            people[by] = people.get(by, 0) + 1
        if entry.get("from") != "pending" or item_id in decided or item_id not in received:
            continue
        decided.add(item_id)
        delay = max(0.0, epoch(entry["at"]) - received[item_id])
        delays.append(delay)
        if automatic:
            out.by_rules += 1
        else:
            out.by_moderators += 1
            human.append(delay)
    out.median_s = statistics.median(delays) if delays else None
    out.median_moderator_s = statistics.median(human) if human else None
    out.moderators = sorted(people.items(), key=lambda p: (-p[1], p[0]))
    return out


async def build(redis: Client, event: Event) -> Report:
    if is_rehearsal(event):
        return Report(event=event, sources=[], buckets=[], minutes=[],
                      totals={k: 0 for k in event.reactions}, peaks=[], most_reacted=[],
                      moderation=Moderation())
    slug = event.slug
    items = sorted(await exports.all_items(redis, slug), key=lambda i: i.received_at)
    states = await exports.states(redis, slug)
    published = await approved_items(redis, slug)
    per_minute = await exports.reaction_minutes(redis, slug)
    minutes = [(m, sum(c.values())) for m, c in continuous(per_minute)]
    totals: dict[str, int] = {k: 0 for k in event.reactions}
    for counts in per_minute.values():
        for kind, n in counts.items():
            totals[kind] = totals.get(kind, 0) + n
    return Report(event=event, sources=per_source(items, states),
                  buckets=per_bucket(items, states), minutes=minutes, totals=totals,
                  peaks=peaks(minutes, published),
                  most_reacted=most_reacted(published, dict(minutes)),
                  moderation=moderation(items, states, [
                      f for _, f in await exports.audit_entries(redis, slug)]),
                  questions=await published_questions(redis, slug),
                  polls=await published_polls(redis, slug),
                  transcript=await published_captions(redis, slug))
