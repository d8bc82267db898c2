"""Reaction totals: deltas aggregated in memory are written in one transaction per flush."""

from __future__ import annotations

import json
import time

from wall.store import keys
from wall.store.client import Client

RX_STREAM_MAXLEN = 2_000


async def add_reactions(redis: Client, slug: str, delta: dict[str, int]) -> None:
    """Add `delta` to the totals, the per-minute timeline, and the delta stream, atomically."""
    minute = int(time.time() // 60)
    async with redis.pipeline(transaction=True) as pipe:
        for kind, n in delta.items():
            pipe.hincrby(keys.reactions(slug), kind, n)
            pipe.hincrby(keys.reactions_timeline(slug), f"{minute}|{kind}", n)
        pipe.xadd(keys.reactions_stream(slug), {"delta": json.dumps(delta)},
                  maxlen=RX_STREAM_MAXLEN, approximate=True)
        await pipe.execute()


async def totals(redis: Client, slug: str) -> dict[str, int]:
    return {k: int(v) for k, v in (await redis.hgetall(keys.reactions(slug))).items()}
