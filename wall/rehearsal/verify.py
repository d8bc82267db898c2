"""After the run: what the server stored and counted, set against what the room sent.

Taps are read over the API, as any wall would: the `reactions` totals of a fresh wall's
snapshot. Posts are read from the event's store (the rehearsal prepared the event there,
so it can read it): each post answered 202, and each SMS answered, must be stored once,
in a state that says what became of it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from wall.rehearsal.plan import Plan
from wall.rehearsal.tally import Post, Tally
from wall.rehearsal.watch import snapshot
from wall.store import exports
from wall.store.client import Client

READ_TIMEOUT = 15.0
WORD_RULES = ("wordlist", "blocklist")


@dataclass
class Stored:
    """One post as the server stored it."""

    id: str
    state: str  # pending | approved | rejected | retracted
    rule: str = ""  # the automatic rule that decided it first, if any
    held: str = ""  # why the rules held it for a moderator ("wordlist:<word>"), if they did

    @property
    def caught_by_words(self) -> bool:
        """Held or rejected by the event's word list."""
        return any(reason.startswith(WORD_RULES) for reason in (self.rule, self.held))


@dataclass
class Verdict:
    taps_counted: dict[str, int] | None = None  # None: could not be read
    approved_on_wall: int | None = None
    stored: dict[str, Stored] = field(default_factory=dict)  # by Post.key
    store_read: bool = False
    unreadable: list[str] = field(default_factory=list)  # why a read failed

    def lost_taps(self, sent: Counter[str]) -> dict[str, int]:
        """Per kind, taps sent and not counted (negative: counted twice); when the count
        could not be read, every tap sent is unconfirmed, so lost."""
        counted = self.taps_counted or {}
        kinds = set(sent) | set(counted)
        out = {k: sent.get(k, 0) - counted.get(k, 0) for k in sorted(kinds)}
        return {k: n for k, n in out.items() if n}

    def lost_posts(self, tally: Tally) -> list[Post]:
        """Posts the server took (202, or an SMS it answered) and did not store."""
        return [p for p in tally.posts if p.status and p.key not in self.stored]


async def verify(plan: Plan, tally: Tally, redis: Client) -> Verdict:
    verdict = Verdict()
    try:
        frame = await asyncio.wait_for(snapshot(plan), READ_TIMEOUT)
        verdict.taps_counted = {k: int(v) for k, v in (frame.get("reactions") or {}).items()}
        verdict.approved_on_wall = int(frame.get("approved") or 0)
    except Exception as exc:  # any failure is reported, none is fatal to the report
        verdict.unreadable.append(f"wall snapshot: {type(exc).__name__}: {exc}")
    try:
        verdict.stored = await asyncio.wait_for(_stored(plan, tally, redis), READ_TIMEOUT)
        verdict.store_read = True
    except Exception as exc:
        verdict.unreadable.append(f"event store: {type(exc).__name__}: {exc}")
    return verdict


async def _stored(plan: Plan, tally: Tally, redis: Client) -> dict[str, Stored]:
    items = await exports.all_items(redis, plan.slug)
    states = await exports.states(redis, plan.slug)
    rules: dict[str, str] = {}
    for _, entry in await exports.audit_entries(redis, plan.slug):
        if entry.get("from") == "pending" and entry.get("id") not in rules:
            rules[entry.get("id", "")] = entry.get("rule", "")
    web = {item.id: item for item in items if item.source == "web"}
    sms = {item.source_id: item for item in items if item.source == "sms"}
    out = {}
    for post in tally.posts:
        item = (sms.get(post.key) if post.sms else web.get(post.id)) if post.status else None
        if item is not None:
            out[post.key] = Stored(item.id, states.get(item.id, "missing"),
                                   rules.get(item.id, ""), str(getattr(item, "held", "") or ""))
    return out
