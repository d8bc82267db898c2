"""Helpers for the source tests: wait on Redis for what a connector stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis

from tests.support.timing import timeout
from wall.models import Item
from wall.store import keys

T = TypeVar("T")


async def inbox_items(redis: Redis, slug: str) -> list[Item]:
    """Every item of the event's inbox, in arrival order."""
    entries = await redis.xrange(keys.inbox(slug))
    raws = await redis.hmget(keys.items(slug), [e[1]["id"] for e in entries]) if entries else []
    return [Item.from_json(r) for r in raws if r]


async def eventually(check: Callable[[], Awaitable[T]], limit: float | None = None) -> T:
    """Poll `check` until it returns something truthy (state lives in another process)."""
    deadline = asyncio.get_running_loop().time() + (limit or timeout(10))
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met, last value {value!r}")
        await asyncio.sleep(0.02)


async def count_at_least(redis: Redis, slug: str, n: int,
                         limit: float | None = None) -> list[Item]:
    async def check() -> list[Item]:
        items = await inbox_items(redis, slug)
        return items if len(items) >= n else []

    return await eventually(check, limit)


async def status(redis: Redis, slug: str, name: str) -> dict[str, Any]:
    raw = await redis.hget(keys.source_status(slug), name)
    return json.loads(raw) if raw else {}
