"""Event settings shared by a process's sockets, read from Redis at most once a second.

Ten thousand audience sockets opening within a minute would otherwise each read and parse
the event's meta hash, and keep their own copy for as long as they stay open; here they
share one `Event` per event and second, and the requests that find it stale together wait
for one read (a room posting at once would otherwise each read it when the second turns).
Status changes do not wait for it: sockets follow them live through the hub
(`EventChannel.status`, from the feed's status entries).
"""

from __future__ import annotations

import asyncio
import time

from wall.models import Event
from wall.store.client import Client
from wall.store.events import get_event

MAX_AGE = 1.0
MAX_ENTRIES = 1_000


class EventCache:
    """`get(slug)`: the event as read at most `max_age` seconds ago (unknown: not kept)."""

    def __init__(self, redis: Client, max_age: float = MAX_AGE) -> None:
        self.redis = redis
        self.max_age = max_age
        self._entries: dict[str, tuple[float, Event]] = {}
        self._reading: dict[str, asyncio.Task[Event | None]] = {}

    async def get(self, slug: str) -> Event | None:
        hit = self._entries.get(slug)
        if hit is not None and time.monotonic() - hit[0] < self.max_age:
            return hit[1]
        read = self._reading.get(slug)
        if read is None:
            read = self._reading[slug] = asyncio.create_task(self._read(slug))
            read.add_done_callback(lambda task: self._done(slug, task))
        # shield: a caller that gives up (its client left) does not cancel the others' read.
        return await asyncio.shield(read)

    def _done(self, slug: str, read: asyncio.Task[Event | None]) -> None:
        self._reading.pop(slug, None)
        if not read.cancelled():
            read.exception()  # retrieved here too: every waiter may have given up

    async def _read(self, slug: str) -> Event | None:
        now = time.monotonic()
        event = await get_event(self.redis, slug)
        if event is None:
            self._entries.pop(slug, None)
            return None
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[slug] = (now, event)
        return event
