"""What the moderators' desk counts: queue and decisions, reactions per minute, who is online.

Presence is a sorted set of heartbeats (one member per connected `/ws/moderate` socket,
scored by its last beat), so every server process sharing the Redis counts the same people;
a socket of a process that died stops counting once its beat is older than `PRESENCE_TTL`.
Each moderator socket is pushed a `counters` frame every `COUNTERS_INTERVAL` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from wall.live.hub import Subscription
from wall.store import keys
from wall.store.events import get_event
from wall.store.feed import dumps

log = logging.getLogger(__name__)
COUNTERS_INTERVAL = 2.0
PRESENCE_TTL_MS = 15_000

# KEYS: state ; counts the states of every item of the event inside Redis (one round trip).
_STATE_COUNTS = """
local a, r = 0, 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  if v == 'approved' then a = a + 1 elseif v == 'rejected' then r = r + 1 end
end
return {a, r}
"""


async def moderators_online(redis: Redis, slug: str, now_ms: int | None = None) -> int:
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return int(await redis.zcount(keys.moderators(slug), now_ms - PRESENCE_TTL_MS, "+inf"))


async def reactions_per_minute(redis: Redis, slug: str, kinds: list[str],
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


async def counters(redis: Redis, slug: str) -> dict[str, Any]:
    """The desk's header: pending/approved/rejected, reactions per minute, moderators, mode."""
    event = await get_event(redis, slug)
    kinds = event.reactions if event else []
    approved, rejected = await redis.eval(_STATE_COUNTS, 1, keys.state(slug))
    return {
        "pending": int(await redis.zcard(keys.pending(slug))),
        "approved": int(approved),
        "rejected": int(rejected),
        "reactions_per_minute": await reactions_per_minute(redis, slug, kinds),
        "moderators": await moderators_online(redis, slug),
        "mode": event.mode if event else "",
        "status": event.status if event else "",
    }


async def _beat(redis: Redis, slug: str, member: str) -> None:
    now_ms = int(time.time() * 1000)
    key = keys.moderators(slug)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {member: now_ms})
        pipe.zremrangebyscore(key, "-inf", now_ms - PRESENCE_TTL_MS)
        pipe.pexpire(key, PRESENCE_TTL_MS * 4)
        await pipe.execute()


async def _beat_loop(redis: Redis, slug: str, member: str, sub: Subscription,
                     interval: float, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        try:
            await _beat(redis, slug, member)
            sub.offer((None, dumps({"type": "counters", **await counters(redis, slug)})))
        except (RedisError, OSError) as exc:
            log.warning("desk %s: counters failed (%s)", slug, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)


@contextlib.asynccontextmanager
async def presence(redis: Redis, slug: str, sub: Subscription,
                   interval: float = COUNTERS_INTERVAL) -> AsyncIterator[None]:
    """Count this moderator socket as online and push it counters while it is open."""
    member = secrets.token_hex(8)
    # A flag as well as the cancel: a cancellation that lands inside a Redis call can be
    # absorbed by the client library, and the loop must still end (then the member goes).
    stopping = asyncio.Event()
    task = asyncio.create_task(_beat_loop(redis, slug, member, sub, interval, stopping),
                               name=f"desk-{slug}")
    try:
        yield
    finally:
        stopping.set()
        task.cancel()
        await asyncio.wait({task}, timeout=2)
        with contextlib.suppress(RedisError, OSError):
            await redis.zrem(keys.moderators(slug), member)
