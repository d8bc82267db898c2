"""The hub's per-client queues: bounded, in order, a slow client dropped alone, and no frame
seen twice after a resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from tests.support.timing import timeout
from wall.live.hub import Frame, Subscription

END = (None, "end")


def frame(major: int, minor: int = 0) -> Frame:
    """A feed frame at stream position `major-minor`."""
    return ((major, minor), f"feed {major}-{minor}")


def unplaced(text: str) -> Frame:
    """A frame with no feed position (queue, decision, reactions, status to moderators)."""
    return (None, text)


async def until_end(frames: AsyncIterator[str]) -> list[str]:
    """The frames read before END, which every test offers last."""
    async def read() -> list[str]:
        seen = []
        async for text in frames:
            if text == END[1]:
                return seen
            seen.append(text)
        raise AssertionError(f"the frames ended before END, after {seen}")

    return await asyncio.wait_for(read(), timeout())


async def every(frames: AsyncIterator[str]) -> list[str]:
    """All the frames until they end (they end only when the client overflowed)."""
    return [text async for text in frames]


async def test_frames_come_out_in_the_order_offered() -> None:
    """Feed and unplaced frames are sent in the order they were offered, none lost."""
    sub = Subscription(bound=10)
    offered = [frame(1), unplaced("queued a"), frame(1, 1), frame(2), unplaced("reactions"),
               frame(3)]
    for f in [*offered, END]:
        sub.offer(f)
    assert await until_end(sub.frames()) == [text for _, text in offered]


async def test_a_waiting_reader_is_woken_by_the_next_frame() -> None:
    """A reader with nothing to send waits, and gets each frame as soon as it is offered."""
    sub = Subscription(bound=10)
    frames = sub.frames()
    first = asyncio.ensure_future(anext(frames))
    await asyncio.sleep(0)  # the reader is now waiting on an empty queue
    assert not first.done()
    sub.offer(frame(1))
    assert await asyncio.wait_for(first, timeout()) == "feed 1-0"
    second = asyncio.ensure_future(anext(frames))
    sub.offer(unplaced("decision"))
    assert await asyncio.wait_for(second, timeout()) == "decision"


async def test_a_full_bound_is_kept_and_one_more_overflows() -> None:
    """`bound` waiting frames are kept; the next one overflows the client."""
    calls: list[str] = []
    sub = Subscription(bound=3)
    sub.on_overflow = lambda: calls.append("dropped")
    for n in range(3):
        sub.offer(frame(n + 1))
    assert calls == [] and not sub.overflowed
    sub.offer(frame(4))
    assert calls == ["dropped"] and sub.overflowed


async def test_overflow_calls_on_overflow_once_and_ends_the_frames() -> None:
    """Past the bound, on_overflow runs once however much more is offered, and the client's
    frames end: it is dropped, not sent a gap."""
    calls: list[str] = []
    sub = Subscription(bound=2)
    sub.on_overflow = lambda: calls.append("dropped")
    for n in range(10):
        sub.offer(frame(n + 1))
    sub.offer(END)
    assert calls == ["dropped"]
    assert await asyncio.wait_for(every(sub.frames()), timeout()) == []


async def test_a_waiting_reader_ends_when_its_client_overflows() -> None:
    """A reader blocked on an empty queue is woken and finishes when the client overflows
    (bound 0: the first frame overflows)."""
    sub = Subscription(bound=0)
    read = asyncio.ensure_future(every(sub.frames()))
    await asyncio.sleep(0)  # the reader is now waiting on an empty queue
    assert not read.done()
    sub.offer(frame(1))
    assert await asyncio.wait_for(read, timeout()) == []


async def test_overflow_without_a_callback_still_drops_the_client() -> None:
    """No on_overflow set: the overflow is still recorded and the frames end."""
    sub = Subscription(bound=1)
    sub.offer(frame(1))
    sub.offer(frame(2))
    assert sub.overflowed
    assert await asyncio.wait_for(every(sub.frames()), timeout()) == []


async def test_a_slow_client_overflows_while_a_reading_one_gets_everything() -> None:
    """Two clients offered the same frames: the one that reads keeps up and gets all of them;
    the one that never reads is dropped alone."""
    fast, slow = Subscription(bound=4), Subscription(bound=4)
    dropped: list[str] = []
    fast.on_overflow = lambda: dropped.append("fast")
    slow.on_overflow = lambda: dropped.append("slow")
    fast_frames = fast.frames()
    received = []
    for n in range(1, 21):
        for sub in (fast, slow):
            sub.offer(frame(n))
        received.append(await asyncio.wait_for(anext(fast_frames), timeout()))
    assert dropped == ["slow"]
    assert received == [f"feed {n}-0" for n in range(1, 21)]


async def test_frames_at_or_before_the_last_position_are_skipped() -> None:
    """A client resuming after position 5-0 gets nothing at or before it, then only frames
    past the last one sent (a replay overlapping the live feed is sent once)."""
    sub = Subscription(bound=20)
    sub.last_position = (5, 0)
    for f in (frame(4, 9), frame(5), frame(5, 1), frame(6), frame(6), frame(5, 2),
              frame(7), END):
        sub.offer(f)
    assert await until_end(sub.frames()) == ["feed 5-1", "feed 6-0", "feed 7-0"]
    assert sub.last_position == (7, 0)


async def test_unplaced_frames_are_never_skipped_as_old() -> None:
    """Frames without a feed position (moderators' queue and decisions, reactions) are sent
    whatever the last position."""
    sub = Subscription(bound=20)
    sub.last_position = (9, 0)
    for f in (unplaced("queued"), frame(3), unplaced("decision"), unplaced("decision"), END):
        sub.offer(f)
    assert await until_end(sub.frames()) == ["queued", "decision", "decision"]
    assert sub.last_position == (9, 0)
