"""Count reaction taps in memory and flush them to Redis about ten times a second.

Thousands of taps a second become a handful of Redis commands; if Redis is unreachable the
counts stay here and are written once it answers again, so none is lost or counted twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from wall.store.client import Client, StoreError
from wall.store.reactions import add_reactions

log = logging.getLogger(__name__)
FLUSH_INTERVAL = 0.1


class ReactionCounter:
    def __init__(self, redis: Client, interval: float = FLUSH_INTERVAL) -> None:
        self.redis = redis
        self.interval = interval
        self._pending: dict[str, defaultdict[str, int]] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, slug: str, kind: str, count: int) -> None:
        self._pending.setdefault(slug, defaultdict(int))[kind] += count

    async def flush(self) -> None:
        batch, self._pending = self._pending, {}
        for slug, delta in batch.items():
            try:
                await add_reactions(self.redis, slug, dict(delta))
            except StoreError:
                log.warning("reactions for %s kept in memory: Redis unreachable", slug)
                for kind, n in delta.items():
                    self.add(slug, kind, n)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reaction-flush")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()
