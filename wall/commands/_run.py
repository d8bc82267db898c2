"""Run a coroutine against the configured Redis (embedded or REDIS_URL) from a command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from wall.config import Settings
from wall.embedded import redis_for
from wall.redis_client import connect
from wall.store.client import Client

T = TypeVar("T")


def with_redis(settings: Settings, work: Callable[[Client], Awaitable[T]]) -> T:
    with redis_for(settings) as url:
        async def run() -> T:
            redis = connect(url, cluster=settings.redis_cluster == "1")
            try:
                return await work(redis)
            finally:
                await redis.aclose()

        return asyncio.run(run())
