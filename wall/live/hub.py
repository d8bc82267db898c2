"""Fan-out: one Redis reader per server process and event feeds every connection's queue.

Each connection owns a bounded queue (see the websockets docs' "broadcast" topic): the
reader never waits for a client, and a client whose queue overflows is dropped instead of
stalling the others. Frames are serialised once per entry, not once per client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from wall.models import Item
from wall.store import keys
from wall.store.feed import dumps, feed_message, parse_id

log = logging.getLogger(__name__)
# Frames a connection may have waiting before it is dropped as too slow (CLAMEUR_WS_QUEUE).
QUEUE_BOUND = 1_000
REACTIONS_INTERVAL = 0.1
READ_BLOCK_MS = 1_000

Frame = tuple[tuple[int, int] | None, str]


class Subscription:
    """One connection's bounded queue of frames (position, JSON text).

    A list and one future rather than an asyncio.Queue and an asyncio.Event: three deques
    and an Event cost ~3 KB per socket, which 10,000 idle audience sockets feel
    (docs/performance.md). `on_overflow` is called once when the client falls too far
    behind (the socket cancels its sender with it).
    """

    __slots__ = ("bound", "pending", "last_position", "overflowed", "on_overflow", "_waiter")

    def __init__(self, bound: int = QUEUE_BOUND) -> None:
        self.bound = bound
        self.pending: list[Frame] = []
        self.last_position: tuple[int, int] = (0, 0)
        self.overflowed = False
        self.on_overflow: Callable[[], object] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, frame: Frame) -> None:
        if self.overflowed:
            return
        if len(self.pending) >= self.bound:
            self.overflowed = True
            if self.on_overflow is not None:
                self.on_overflow()
        else:
            self.pending.append(frame)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def frames(self) -> AsyncIterator[str]:
        """Frames to send, skipping feed entries at or before `last_position`; ends on
        overflow."""
        while not self.overflowed:
            if not self.pending:
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter
                continue
            position, text = self.pending.pop(0)
            if position is not None:
                if position <= self.last_position:
                    continue
                self.last_position = position
            yield text


class EventChannel:
    """The reader of one event's streams and the connections listening to it."""

    def __init__(self, redis: Redis, slug: str, read_count: int = 500) -> None:
        self.redis = redis
        # Entries per read: a burst never exceeds half a connection's queue at once.
        self.read_count = read_count
        self.slug = slug
        self.walls: set[Subscription] = set()
        self.mods: set[Subscription] = set()
        self.totals: defaultdict[str, int] = defaultdict(int)
        self.delta: defaultdict[str, int] = defaultdict(int)
        self.last: dict[str, str] = {}
        self.ready = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        # The event's status as of the last `status` feed entry read: sockets check it per
        # message without a Redis round trip (the entry is written after the meta hash).
        self.status = ""

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._read_loop(), name=f"hub-{self.slug}"),
                      asyncio.create_task(self._reactions_loop(), name=f"rx-{self.slug}")]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _positions(self) -> None:
        s = self.slug
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in (keys.feed(s), keys.reactions_stream(s), keys.inbox(s), keys.audit(s)):
                pipe.xrevrange(key, count=1)
            pipe.hgetall(keys.reactions(s))
            pipe.hget(keys.meta(s), "status")
            *lasts, totals, status = await pipe.execute()
        names = ("feed", "rx", "inbox", "audit")
        self.last = {n: (e[0][0] if e else "0-0") for n, e in zip(names, lasts, strict=True)}
        self.totals = defaultdict(int, {k: int(v) for k, v in totals.items()})
        self.status = status or ""

    async def _read_loop(self) -> None:
        backoff = 0.1
        while True:
            try:
                if not self.ready.is_set():
                    await self._positions()
                    self.ready.set()
                await self._read_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("hub %s: Redis read failed (%s); retrying", self.slug, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _read_once(self) -> None:
        s = self.slug
        names = {keys.feed(s): "feed", keys.reactions_stream(s): "rx",
                 keys.inbox(s): "inbox", keys.audit(s): "audit"}
        streams = {key: self.last[name] for key, name in names.items()}
        reply = await self.redis.xread(streams, block=READ_BLOCK_MS, count=self.read_count)
        for key, entries in reply or []:
            name = names[key]
            if entries:
                self.last[name] = entries[-1][0]
            await self._dispatch(name, entries)

    async def _dispatch(self, name: str, entries: list[tuple[str, dict[str, str]]]) -> None:
        if name == "feed":
            for position, fields in entries:
                if fields.get("type") == "status":
                    self.status = fields.get("status", "")
                frame = (parse_id(position), dumps(feed_message(position, fields)))
                for sub in list(self.walls):
                    sub.offer(frame)
        elif name == "rx":
            for _, fields in entries:
                for kind, n in json.loads(fields["delta"]).items():
                    self.totals[kind] += n
                    self.delta[kind] += n
        elif name == "inbox":
            await self._dispatch_inbox(entries)
        elif name == "audit" and self.mods:
            for _, fields in entries:
                self._to_mods({"type": "decision", **fields})

    async def _dispatch_inbox(self, entries: list[tuple[str, dict[str, str]]]) -> None:
        if not self.mods:
            return
        ids = [fields["id"] for _, fields in entries]
        bodies = await self.redis.hmget(keys.items(self.slug), ids)
        states = await self.redis.hmget(keys.state(self.slug), ids)
        for body, state in zip(bodies, states, strict=True):
            if body:
                self._to_mods({"type": "queued", "item": Item.from_json(body).__dict__,
                               "state": state})

    def _to_mods(self, message: dict[str, Any]) -> None:
        frame = (None, dumps(message))
        for sub in list(self.mods):
            sub.offer(frame)

    async def _reactions_loop(self) -> None:
        while True:
            await asyncio.sleep(REACTIONS_INTERVAL)
            if not self.delta:
                continue
            delta, self.delta = dict(self.delta), defaultdict(int)
            frame = (None, dumps({"type": "reactions", "totals": dict(self.totals),
                                  "delta": delta}))
            for sub in list(self.walls) + list(self.mods):
                sub.offer(frame)


class Hub:
    """The process's channels, created with their first listener and stopped with the last."""

    def __init__(self, redis: Redis, queue_bound: int = QUEUE_BOUND) -> None:
        self.redis = redis
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
        """Listen to `slug`: role "wall" gets the feed, "moderator" the queue and decisions."""
        channel = self.channels.get(slug)
        if channel is None:
            channel = self.channels[slug] = EventChannel(
                self.redis, slug, read_count=max(1, min(500, self.queue_bound // 2)))
            channel.start()
        sub = Subscription(self.queue_bound)
        group = channel.mods if role == "moderator" else channel.walls
        group.add(sub)
        try:
            await asyncio.wait_for(channel.ready.wait(), timeout=10)
            yield sub
        finally:
            group.discard(sub)
            if not channel.walls and not channel.mods and self.channels.get(slug) is channel:
                del self.channels[slug]
                await channel.stop()

    async def close(self) -> None:
        for channel in list(self.channels.values()):
            await channel.stop()
        self.channels.clear()
