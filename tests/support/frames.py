"""A hub subscription's frames as an async iterator, for tests that read one directly (the
server's sender awaits `Subscription.next_frame` in a loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from wall.live.subscription import Subscription


async def frames(sub: Subscription) -> AsyncIterator[str]:
    """The frames `sub` sends, in order, until the client overflows."""
    while (text := await sub.next_frame()) is not None:
        yield text
