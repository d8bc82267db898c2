"""The live layer's backend over Redis: where an event's streams stand, what was added to
them since, the items they name, and the desk's heartbeats and counters.

The hub (wall/live/hub.py) fans out what this reads and never talks to Redis itself, so
it can be driven by a fake backend in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wall.models import Item
from wall.store import desk, keys, polls, questions
from wall.store.client import Client

StreamEntry = tuple[str, dict[str, str]]
# The streams a channel follows: walls' feed, reaction deltas, arrivals, decisions, what
# changed in questions and polls, and caption lines.
STREAMS = ("feed", "rx", "inbox", "audit", "asks", "captions")


@dataclass
class Positions:
    """Where a channel starts: the last id of each stream, reaction totals, the status."""

    last: dict[str, str]
    totals: dict[str, int]
    status: str


def _stream_keys(slug: str) -> dict[str, str]:
    return {"feed": keys.feed(slug), "rx": keys.reactions_stream(slug),
            "inbox": keys.inbox(slug), "audit": keys.audit(slug),
            "asks": keys.asks_stream(slug), "captions": keys.captions(slug)}


class FeedBackend:
    """`Hub(FeedBackend(redis))`: the hub's reads and the desk's presence, over one client."""

    def __init__(self, redis: Client) -> None:
        self.redis = redis

    async def positions(self, slug: str) -> Positions:
        streams = _stream_keys(slug)
        async with self.redis.pipeline(transaction=True) as pipe:
            for name in STREAMS:
                pipe.xrevrange(streams[name], count=1)
            pipe.hgetall(keys.reactions(slug))
            pipe.hget(keys.meta(slug), "status")
            *lasts, totals, status = await pipe.execute()
        last = {n: (e[0][0] if e else "0-0") for n, e in zip(STREAMS, lasts, strict=True)}
        return Positions(last, {k: int(v) for k, v in totals.items()}, status or "")

    async def read(self, slug: str, last: dict[str, str], block_ms: int,
                   count: int) -> list[tuple[str, list[StreamEntry]]]:
        """Entries after `last` (stream name -> id), waiting up to `block_ms` for one:
        (stream name, entries) per stream that has some."""
        streams = _stream_keys(slug)
        names = {key: name for name, key in streams.items()}
        reply = await self.redis.xread({streams[n]: last[n] for n in STREAMS},
                                       block=block_ms, count=count)
        return [(names[key], entries) for key, entries in reply or []]

    async def items(self, slug: str, ids: list[str]) -> list[tuple[Item | None, str | None]]:
        """Each id's item and state (None when gone), in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.items(slug), ids)
            pipe.hmget(keys.state(slug), ids)
            bodies, states = await pipe.execute()
        return [(Item.from_json(body) if body else None, state)
                for body, state in zip(bodies, states, strict=True)]

    async def beat(self, slug: str, present: list[str], gone: list[str]) -> None:
        await desk.beat(self.redis, slug, present, gone)

    async def counters(self, slug: str) -> dict[str, Any]:
        return await desk.counters(self.redis, slug)

    async def question_votes(self, slug: str, ids: list[str]
                             ) -> list[tuple[str, int, dict[str, str] | None]]:
        return await questions.votes_of(self.redis, slug, ids)

    async def poll_record(self, slug: str, poll_id: str) -> polls.PollRecord | None:
        return await polls.record(self.redis, slug, poll_id)
