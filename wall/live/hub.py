"""Fan-out: one reader per server process and event feeds every connection's queue.

The reader takes what it sends from a backend (`Backend`; over Redis it is
`wall.store.listen.FeedBackend`), so the fan-out can be driven by a fake one in tests (the
encode/broadcaster pattern). Each connection owns a bounded queue (wall/live/subscription.py):
the reader never waits for a client, and a client whose queue overflows is dropped instead
of stalling the others. Frames are serialised once per entry, not once per client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Protocol

from wall import protocol
from wall.live.asks import AskBackend, AskRelay
from wall.live.presence import DeskBackend, DeskPresence
from wall.live.subscription import QUEUE_BOUND, Frame, Subscription
from wall.models import Item
from wall.store.client import StoreError
from wall.store.feed import feed_message, on_wall, parse_id
from wall.store.listen import Positions, StreamEntry
from wall.tasks import cancel_and_wait

__all__ = ["QUEUE_BOUND", "Backend", "EventChannel", "Frame", "Hub", "Subscription"]

log = logging.getLogger(__name__)
REACTIONS_INTERVAL = 0.1
READ_BLOCK_MS = 1_000


class Backend(DeskBackend, AskBackend, Protocol):
    """What the hub reads: an event's streams, the items they name, and the desk's
    presence (`DeskBackend`)."""

    async def positions(self, slug: str) -> Positions:
        """Where the streams stand now, reaction totals and the event's status."""

    async def read(self, slug: str, last: dict[str, str], block_ms: int,
                   count: int) -> list[tuple[str, list[StreamEntry]]]:
        """Entries after `last` (stream name -> id) per stream name, waiting up to
        `block_ms` for one."""

    async def items(self, slug: str, ids: list[str]) -> list[tuple[Item | None, str | None]]:
        """Each id's item and state (None when gone)."""


class EventChannel:
    """The reader of one event's streams and the connections listening to it."""

    def __init__(self, backend: Backend, slug: str, read_count: int = 500) -> None:
        self.backend = backend
        # Entries per read: a burst never exceeds half a connection's queue at once.
        self.read_count = read_count
        self.slug = slug
        self.walls: set[Subscription] = set()
        self.mods: set[Subscription] = set()
        self.desk = DeskPresence(backend, slug)
        # Questions and polls: `votes`, `poll` and `mode` frames for everyone listening.
        self.asks = AskRelay(backend, slug, self._to_all)
        self.totals: defaultdict[str, int] = defaultdict(int)
        self.delta: defaultdict[str, int] = defaultdict(int)
        self.last: dict[str, str] = {}
        self.ready = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.stopping = False
        # The event's status as of the last `status` feed entry read: sockets check it per
        # message without a Redis round trip (the entry is written after the meta hash).
        self.status = ""

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._read_loop(), name=f"hub-{self.slug}"),
                      asyncio.create_task(self._reactions_loop(), name=f"rx-{self.slug}"),
                      asyncio.create_task(self.asks.run(), name=f"asks-{self.slug}")]

    async def stop(self) -> None:
        # A flag as well as the cancels: redis-py may turn a cancel landing inside a read
        # into a connection error, which the read loop would otherwise retry.
        self.stopping = True
        await cancel_and_wait(*self.tasks)
        await self.desk.stop()

    async def _positions(self) -> None:
        start = await self.backend.positions(self.slug)
        self.last = dict(start.last)
        self.totals = defaultdict(int, start.totals)
        self.status = start.status

    async def _read_loop(self) -> None:
        backoff = 0.1
        while not self.stopping:
            try:
                if not self.ready.is_set():
                    await self._positions()
                    self.ready.set()
                await self._read_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except StoreError as exc:
                log.warning("hub %s: Redis read failed (%s); retrying", self.slug, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _read_once(self) -> None:
        for name, entries in await self.backend.read(self.slug, self.last, READ_BLOCK_MS,
                                                     self.read_count):
            # Moved past a batch once it is sent: a dispatch that fails reading the items
            # it names (Redis gone) offered nothing yet, and the batch is read again.
            await self._dispatch(name, entries)
            if entries:
                self.last[name] = entries[-1][0]

    async def _dispatch(self, name: str, entries: list[StreamEntry]) -> None:
        if name == "feed":
            # The feed names items by id: their bodies in one read per batch, and an item
            # taken down since its entry was written is not sent (nor its text).
            ids = list({f["id"] for _, f in entries if f.get("type") in protocol.WITH_BODY})
            bodies = dict(zip(ids, await self.backend.items(self.slug, ids), strict=True)) \
                if ids and self.walls else {}
            for position, fields in entries:
                kind = fields.get("type")
                if kind == protocol.STATUS:
                    self.status = fields.get("status", "")
                body: Item | None = None
                if kind in protocol.WITH_BODY:
                    body, now = bodies.get(fields["id"], (None, None))
                    if body is None or not on_wall(body, now):
                        continue
                frame = (parse_id(position),
                         protocol.dumps(feed_message(position, fields, body)))
                for sub in list(self.walls):
                    sub.offer(frame)
        elif name == "rx":
            for _, fields in entries:
                for kind, n in json.loads(fields["delta"]).items():
                    self.totals[kind] += n
                    self.delta[kind] += n
        elif name == "inbox" and self.mods:
            found = await self.backend.items(self.slug, [f["id"] for _, f in entries])
            for item, state in found:
                if item is not None and state is not None:  # neither is gone (erased)
                    self._to_mods(protocol.queued(item.__dict__, state))
        elif name == "asks":
            self.asks.take(entries)
        elif name == "captions":
            # Lines carry their text (a captioner's, not moderated): sent as they come.
            for position, fields in entries:
                line = (None, protocol.dumps(protocol.caption(fields.get("text", ""),
                                                              position)))
                for sub in list(self.walls):
                    sub.offer(line)
        elif name == "audit" and self.mods:
            # The decided item's body with each decision (one read per batch), so a desk
            # updates its queue and its view of the wall without asking.
            found = await self.backend.items(self.slug, [f.get("id", "") for _, f in entries])
            for (_, fields), (item, _) in zip(entries, found, strict=True):
                self._to_mods(protocol.decision(fields, item.__dict__ if item else None))

    def _to_all(self, message: protocol.Frame) -> None:
        frame = (None, protocol.dumps(message))
        for sub in list(self.walls) + list(self.mods):
            sub.offer(frame)

    def _to_mods(self, message: protocol.Frame) -> None:
        frame = (None, protocol.dumps(message))
        for sub in list(self.mods):
            sub.offer(frame)

    async def _reactions_loop(self) -> None:
        while True:
            await asyncio.sleep(REACTIONS_INTERVAL)
            if not self.delta:
                continue
            delta, self.delta = dict(self.delta), defaultdict(int)
            frame = (None, protocol.dumps(protocol.reactions(dict(self.totals), delta)))
            for sub in list(self.walls) + list(self.mods):
                sub.offer(frame)


class Hub:
    """The process's channels, created with their first listener and stopped with the last.

    Moderator subscriptions are counted online (the desk's presence) while they last.
    """

    def __init__(self, backend: Backend, queue_bound: int = QUEUE_BOUND) -> None:
        self.backend = backend
        self.queue_bound = queue_bound
        self.channels: dict[str, EventChannel] = {}

    def connections(self) -> int:
        return sum(len(c.walls) + len(c.mods) for c in self.channels.values())

    def status(self, slug: str) -> str:
        """The status `slug`'s channel last read from its feed; "" when not listening."""
        channel = self.channels.get(slug)
        return channel.status if channel is not None and channel.ready.is_set() else ""

    @contextlib.asynccontextmanager
    async def subscribe(self, slug: str, role: str = "wall") -> AsyncIterator[Subscription]:
        """Listen to `slug`: role "wall" gets the feed, "moderator" the queue, decisions and
        counters (and counts as online)."""
        channel = self.channels.get(slug)
        if channel is None:
            channel = self.channels[slug] = EventChannel(
                self.backend, slug, read_count=max(1, min(500, self.queue_bound // 2)))
            channel.start()
        sub = Subscription(self.queue_bound)
        moderator = role == "moderator"
        group = channel.mods if moderator else channel.walls
        group.add(sub)
        if moderator:
            channel.desk.join(sub)
        try:
            await asyncio.wait_for(channel.ready.wait(), timeout=10)
            yield sub
        finally:
            group.discard(sub)
            if moderator:
                channel.desk.leave(sub)
            if not channel.walls and not channel.mods and self.channels.get(slug) is channel:
                del self.channels[slug]
                await channel.stop()

    async def close(self) -> None:
        for channel in list(self.channels.values()):
            await channel.stop()
        self.channels.clear()
