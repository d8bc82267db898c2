"""One connection's bounded queue of frames, fed by the hub and drained by its socket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

# Frames a connection may have waiting before it is dropped as too slow (CLAMEUR_WS_QUEUE).
QUEUE_BOUND = 1_000

# (feed position or None, JSON text)
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

    async def next_frame(self) -> str | None:
        """The next frame to send, skipping feed entries at or before `last_position`;
        None once the client overflowed. A coroutine rather than an async generator: the
        generator a socket's sender held for its life was 0.4 KB per idle socket."""
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
            return text
        return None
