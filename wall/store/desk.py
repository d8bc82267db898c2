"""What the moderators' desk counts: who is online, the queue and decisions, reactions per
minute.

Presence is a sorted set of heartbeats (one member per connected `/ws/moderate` socket,
scored by its last beat), so every server process sharing the Redis counts the same people;
a socket of a process that died stops counting once its beat is older than `PRESENCE_TTL_MS`.
Approved and rejected totals are kept by the decision script (wall/store/decisions.py).
"""

from __future__ import annotations

import time
from typing import Any

from wall.store import keys
from wall.store.client import Client
from wall.store.decisions import counts
from wall.store.events import get_event

PRESENCE_TTL_MS = 15_000


async def beat(redis: Client, slug: str, present: list[str], gone: list[str]) -> None:
    """Mark `present` members alive now and `gone` ones away, in one transaction."""
    now_ms = int(time.time() * 1000)
    key = keys.moderators(slug)
    async with redis.pipeline(transaction=True) as pipe:
        if present:
            pipe.zadd(key, dict.fromkeys(present, now_ms))
        if gone:
            pipe.zrem(key, *gone)
        pipe.zremrangebyscore(key, "-inf", now_ms - PRESENCE_TTL_MS)
        pipe.pexpire(key, PRESENCE_TTL_MS * 4)
        await pipe.execute()


async def moderators_online(redis: Client, slug: str, now_ms: int | None = None) -> int:
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return int(await redis.zcount(keys.moderators(slug), now_ms - PRESENCE_TTL_MS, "+inf"))


async def reactions_per_minute(redis: Client, slug: str, kinds: list[str],
                               now: float | None = None) -> int:
    """Taps in the last 60 s: this minute plus the unelapsed share of the previous one."""
    now = now if now is not None else time.time()
    minute, elapsed = int(now // 60), (now % 60) / 60
    fields = [f"{m}|{k}" for m in (minute, minute - 1) for k in kinds]
    if not fields:
        return 0
    values = [int(v or 0) for v in await redis.hmget(keys.reactions_timeline(slug), fields)]
    current, previous = sum(values[:len(kinds)]), sum(values[len(kinds):])
    return current + round(previous * (1 - elapsed))


async def counters(redis: Client, slug: str) -> dict[str, Any]:
    """The desk's header: pending/approved/rejected, reactions per minute, moderators, mode
    and status."""
    event = await get_event(redis, slug)
    kinds = event.reactions if event else []
    return {
        **await counts(redis, slug),
        "reactions_per_minute": await reactions_per_minute(redis, slug, kinds),
        "moderators": await moderators_online(redis, slug),
        "mode": event.mode if event else "",
        "status": event.status if event else "",
    }
