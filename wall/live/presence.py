"""Who is at the desk: one loop per event and server process beats every moderator socket
of the process and pushes them all the same `counters` frame.

The hub runs it for a channel while the channel has moderator subscriptions. Each socket is
one member of the event's presence set (wall/store/desk.py): the loop marks them all alive
in one transaction, reads the counters once and offers the frame to every moderator
subscription, every `COUNTERS_INTERVAL` seconds, and at once when a socket joins or leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any, Protocol

from wall import protocol
from wall.live.subscription import Subscription
from wall.store.client import StoreError
from wall.tasks import cancel_and_wait

log = logging.getLogger(__name__)
COUNTERS_INTERVAL = 2.0


class DeskBackend(Protocol):
    async def beat(self, slug: str, present: list[str], gone: list[str]) -> None:
        """Mark `present` members alive now and `gone` ones away."""

    async def counters(self, slug: str) -> dict[str, Any]:
        """The values of a `counters` frame."""


class DeskPresence:
    """The moderator sockets of one event on this process, and the loop that beats them."""

    def __init__(self, backend: DeskBackend, slug: str,
                 interval: float = COUNTERS_INTERVAL) -> None:
        self.backend = backend
        self.slug = slug
        self.interval = interval
        self.members: dict[Subscription, str] = {}
        self.gone: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def join(self, sub: Subscription) -> None:
        """Count `sub`'s socket online and push it counters from now on."""
        self.members[sub] = secrets.token_hex(8)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"desk-{self.slug}")

    def leave(self, sub: Subscription) -> None:
        """Stop counting `sub`'s socket; the loop removes it from the set at once."""
        member = self.members.pop(sub, None)
        if member is not None:
            self.gone.add(member)
            self._wake.set()

    async def _run(self) -> None:
        # Ends by itself once no socket is left and every leaver is removed, or on the flag.
        while not self._stopping:
            self._wake.clear()
            present, gone = list(self.members.values()), list(self.gone)
            try:
                await self.backend.beat(self.slug, present, gone)
                self.gone.difference_update(gone)
                if self.members:
                    values = await self.backend.counters(self.slug)
                    frame = (None, protocol.dumps(protocol.counters(values)))
                    for sub in list(self.members):
                        sub.offer(frame)
            except StoreError as exc:
                log.warning("desk %s: counters failed (%s)", self.slug, exc)
            if not self.members and not self.gone:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def stop(self) -> None:
        """End the loop and count every socket gone."""
        # A flag as well as the cancels: a cancellation that lands inside a Redis call can
        # be absorbed (wall/tasks.py), and the loop must still end (then the members go).
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await cancel_and_wait(self._task)
        self.gone.update(self.members.values())
        self.members.clear()
        if self.gone:
            with contextlib.suppress(*StoreError):
                await self.backend.beat(self.slug, [], list(self.gone))
            self.gone.clear()
