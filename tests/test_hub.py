"""The hub: per-client queues (bounded, in order, a slow client dropped alone, no frame seen
twice after a resume) and the fan-out driven by a backend in memory (walls, moderators,
reactions, channels)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from tests.support.frames import frames
from tests.support.timing import timeout
from wall.live.hub import REACTIONS_INTERVAL, Hub
from wall.live.subscription import Frame, Subscription
from wall.models import Item, new_item_id, utc_now_iso
from wall.store.feed import parse_id
from wall.store.listen import STREAMS, Positions, StreamEntry

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
    assert await until_end(frames(sub)) == [text for _, text in offered]


async def test_a_waiting_reader_is_woken_by_the_next_frame() -> None:
    """A reader with nothing to send waits, and gets each frame as soon as it is offered."""
    sub = Subscription(bound=10)
    reader = frames(sub)
    first = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)  # the reader is now waiting on an empty queue
    assert not first.done()
    sub.offer(frame(1))
    assert await asyncio.wait_for(first, timeout()) == "feed 1-0"
    second = asyncio.ensure_future(anext(reader))
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
    assert await asyncio.wait_for(every(frames(sub)), timeout()) == []


async def test_a_waiting_reader_ends_when_its_client_overflows() -> None:
    """A reader blocked on an empty queue is woken and finishes when the client overflows
    (bound 0: the first frame overflows)."""
    sub = Subscription(bound=0)
    read = asyncio.ensure_future(every(frames(sub)))
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
    assert await asyncio.wait_for(every(frames(sub)), timeout()) == []


async def test_a_slow_client_overflows_while_a_reading_one_gets_everything() -> None:
    """Two clients offered the same frames: the one that reads keeps up and gets all of them;
    the one that never reads is dropped alone."""
    fast, slow = Subscription(bound=4), Subscription(bound=4)
    dropped: list[str] = []
    fast.on_overflow = lambda: dropped.append("fast")
    slow.on_overflow = lambda: dropped.append("slow")
    fast_frames = frames(fast)
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
    assert await until_end(frames(sub)) == ["feed 5-1", "feed 6-0", "feed 7-0"]
    assert sub.last_position == (7, 0)


async def test_unplaced_frames_are_never_skipped_as_old() -> None:
    """Frames without a feed position (moderators' queue and decisions, reactions) are sent
    whatever the last position."""
    sub = Subscription(bound=20)
    sub.last_position = (9, 0)
    for f in (unplaced("queued"), frame(3), unplaced("decision"), unplaced("decision"), END):
        sub.offer(f)
    assert await until_end(frames(sub)) == ["queued", "decision", "decision"]
    assert sub.last_position == (9, 0)


# --- The fan-out, driven by a backend in memory -------------------------------------------

SLUG = "hub-test"


class FakeBackend:
    """The hub's backend (wall.live.hub.Backend) in memory: an event's four streams as lists
    with ids `n-0`, items with their states, the desk's presence and counters. `read` waits
    for a new entry as XREAD BLOCK does, and yields to other tasks as a round trip would."""

    def __init__(self, totals: dict[str, int] | None = None) -> None:
        self.streams: dict[str, list[StreamEntry]] = {name: [] for name in STREAMS}
        self.stored: dict[str, tuple[Item, str]] = {}
        self.totals = dict(totals or {})
        self.present: set[str] = set()
        self._next = 1
        self._added = asyncio.Event()

    def add(self, stream: str, fields: dict[str, str]) -> str:
        position = f"{self._next}-0"
        self._next += 1
        self.streams[stream].append((position, fields))
        added, self._added = self._added, asyncio.Event()
        added.set()
        return position

    def after(self, stream: str, position: str) -> list[StreamEntry]:
        """What the store's replay (`read_after`) returns: entries strictly after."""
        return [e for e in self.streams[stream] if parse_id(e[0]) > parse_id(position)]

    async def positions(self, slug: str) -> Positions:
        last = {name: (entries[-1][0] if entries else "0-0")
                for name, entries in self.streams.items()}
        return Positions(last, dict(self.totals), "open")

    async def read(self, slug: str, last: dict[str, str], block_ms: int,
                   count: int) -> list[tuple[str, list[StreamEntry]]]:
        added = self._added
        found = [(name, self.after(name, last[name])[:count]) for name in STREAMS]
        if not any(entries for _, entries in found):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(added.wait(), block_ms / 1000)
            found = [(name, self.after(name, last[name])[:count]) for name in STREAMS]
        await asyncio.sleep(0)
        return [(name, entries) for name, entries in found if entries]

    async def items(self, slug: str, ids: list[str]) -> list[tuple[Item | None, str | None]]:
        return [self.stored.get(i, (None, None)) for i in ids]

    async def beat(self, slug: str, present: list[str], gone: list[str]) -> None:
        self.present = (self.present | set(present)) - set(gone)

    async def counters(self, slug: str) -> dict[str, Any]:
        return {"moderators": len(self.present)}

    # What the store's writers append, in the shapes they use (the feed names items by id).
    def approve(self, text: str) -> tuple[str, Item]:
        item = Item(id=new_item_id(), event=SLUG, source="web", source_id=text,
                    author="Camille", text=text, received_at=utc_now_iso())
        self.stored[item.id] = (item, "approved")
        return self.add("feed", {"type": "item", "id": item.id}), item

    def retract(self, item: Item) -> str:
        self.stored[item.id] = (item, "retracted")
        return self.add("feed", {"type": "retract", "id": item.id})

    def tap(self, **delta: int) -> str:
        return self.add("rx", {"delta": json.dumps(delta)})


class Listener:
    """A subscription read as a socket's sender would: every frame, parsed, in order."""

    def __init__(self, sub: Subscription) -> None:
        self.sub = sub
        self.frames = frames(sub)
        self.received: list[dict[str, Any]] = []

    async def next(self, *types: str) -> dict[str, Any]:
        """The next frame (of one of `types`, skipping others)."""
        async def read() -> dict[str, Any]:
            while True:
                message = json.loads(await anext(self.frames))
                self.received.append(message)
                if not types or message["type"] in types:
                    return message

        return await asyncio.wait_for(read(), timeout())


async def test_a_wall_gets_feed_frames_in_order() -> None:
    """Feed entries reach a wall as frames, in stream order, with their positions; a status
    entry also becomes the channel's status."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG) as sub:
        wall = Listener(sub)
        first, item = backend.approve("premier")
        highlight = backend.add("feed", {"type": "highlight", "id": item.id})
        second, _ = backend.approve("second")
        closed = backend.add("feed", {"type": "status", "status": "closed",
                                      "totals": '{"clap": 3}', "approved": "2"})
        frames = [await wall.next() for _ in range(4)]
        assert [(f["type"], f["position"]) for f in frames] == [
            ("item", first), ("highlight", highlight), ("item", second), ("status", closed)]
        assert frames[0]["item"]["text"] == "premier" and "author_key" not in frames[0]["item"]
        assert frames[1]["id"] == item.id
        assert frames[3]["totals"] == {"clap": 3} and frames[3]["approved"] == 2
        assert hub.status(SLUG) == "closed"
    await hub.close()


async def test_a_reconnecting_wall_gets_no_duplicate() -> None:
    """A wall resuming after a position, whose replay overlaps frames already queued for it,
    sends every entry once and in order."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG) as a:
        witness = Listener(a)
        after, _ = backend.approve("un")
        backend.approve("deux")
        await witness.next()
        await witness.next()
        async with hub.subscribe(SLUG) as b:  # the reconnecting wall, `?after=<un>`
            backend.approve("trois")
            backend.approve("quatre")
            await witness.next()
            await witness.next()  # "trois" and "quatre" are in b's queue as well
            # The socket's catch-up: the store's replay, then its last position marked.
            replay = backend.after("feed", after)
            b.last_position = parse_id(replay[-1][0])
            backend.approve("cinq")
            resumed = Listener(b)
            live = await resumed.next()
            sent = [backend.stored[fields["id"]][0].text for _, fields in replay]
            sent.append(live["item"]["text"])
            assert sent == ["deux", "trois", "quatre", "cinq"]
            assert [f["item"]["text"] for f in resumed.received] == ["cinq"]
    await hub.close()


async def test_an_item_taken_down_before_the_hub_reads_it_is_never_sent() -> None:
    """Approved then taken down before the reader gets to its entry: walls get the
    `retract` and no `item` frame (the feed names items by id; the body is read when sent)."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG) as sub:
        wall = Listener(sub)
        _, gone = backend.approve("à ne jamais montrer")
        retracted = backend.retract(gone)
        kept_position, kept = backend.approve("reste")
        frames = [await wall.next() for _ in range(2)]
        assert [(f["type"], f["position"]) for f in frames] == [
            ("retract", retracted), ("item", kept_position)]
        assert frames[1]["item"]["id"] == kept.id
        assert "à ne jamais montrer" not in json.dumps(wall.received, ensure_ascii=False)
    await hub.close()


async def test_a_batch_whose_items_cannot_be_read_is_read_again_and_sent_once() -> None:
    """Redis failing while the reader fetches the bodies of a batch: nothing of it is sent
    then, the batch is read again once Redis answers, and each frame arrives once."""
    backend = FakeBackend()
    hub = Hub(backend)
    fetch, failures = backend.items, [OSError("Redis went away")]

    async def flaky(slug: str, ids: list[str]) -> list[tuple[Item | None, str | None]]:
        if failures:
            raise failures.pop()
        return await fetch(slug, ids)

    backend.items = flaky  # type: ignore[method-assign]
    async with hub.subscribe(SLUG) as sub:
        wall = Listener(sub)
        first, _ = backend.approve("un")
        second, _ = backend.approve("deux")
        frames = [await wall.next() for _ in range(2)]
        assert [f["position"] for f in frames] == [first, second] and failures == []
        third, _ = backend.approve("trois")
        assert (await wall.next())["position"] == third
    await hub.close()


async def test_a_reveal_brings_the_item_again_with_its_media() -> None:
    """A sensitive item's frame withholds its media (a count stands in); the `reveal`
    entry brings the item again, read now, with its media."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG) as sub:
        wall = Listener(sub)
        item = Item(id=new_item_id(), event=SLUG, source="mastodon", source_id="s1",
                    author="Dom", text="photo", received_at=utc_now_iso(), sensitive=True,
                    media=[{"url": "https://media.example/a.png", "alt": "scène"}])
        backend.stored[item.id] = (item, "approved")
        backend.add("feed", {"type": "item", "id": item.id})
        shown = await wall.next()
        assert shown["item"]["media"] == [] and shown["item"]["media_hidden"] == 1
        assert "media.example" not in json.dumps(shown)
        item.revealed = True
        backend.add("feed", {"type": "reveal", "id": item.id})
        revealed = await wall.next()
        assert revealed["type"] == "reveal" and revealed["item"]["revealed"] is True
        assert revealed["item"]["media"] == item.media
        assert "media_hidden" not in revealed["item"]
    await hub.close()


async def test_a_slow_client_is_dropped_while_the_others_get_everything() -> None:
    """With a bound of 4, a wall that never reads is dropped once (on_overflow) and its
    frames end; the walls that read get all 20 entries in order."""
    backend = FakeBackend()
    hub = Hub(backend, queue_bound=4)
    dropped: list[str] = []
    async with hub.subscribe(SLUG) as fast, hub.subscribe(SLUG) as also_fast, \
            hub.subscribe(SLUG) as slow:
        slow.on_overflow = lambda: dropped.append("slow")
        readers = [Listener(fast), Listener(also_fast)]
        sent, got = [], []
        for n in range(20):  # the readers keep up: each entry is read before the next
            sent.append(backend.approve(f"message {n}")[0])
            latest = await asyncio.gather(*(reader.next() for reader in readers))
            got.append([f["position"] for f in latest])
        assert got == [[position, position] for position in sent]
        assert dropped == ["slow"]
        assert await asyncio.wait_for(every(frames(slow)), timeout()) == []
        assert not fast.overflowed and not also_fast.overflowed
    await hub.close()


async def test_moderators_get_queued_and_decision_frames_and_walls_do_not() -> None:
    """An arrival reaches moderators as `queued` (item and state), a decision as `decision`
    with the item's body; an erased arrival is skipped; walls get only the feed."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG, "moderator") as mod_sub, hub.subscribe(SLUG) as wall_sub:
        mod, wall = Listener(mod_sub), Listener(wall_sub)
        counted = await mod.next("counters")
        assert counted["moderators"] == 1
        item = Item(id=new_item_id(), event=SLUG, source="sms", source_id="m1",
                    author="Zoé", text="une question", received_at=utc_now_iso())
        backend.stored[item.id] = (item, "pending")
        backend.add("inbox", {"id": "erased-item"})
        backend.add("inbox", {"id": item.id})
        queued = await mod.next("queued", "decision", "item")
        assert queued == {"type": "queued", "item": item.__dict__, "state": "pending"}
        backend.stored[item.id] = (item, "approved")
        position, _ = backend.approve("autre")  # a feed entry: walls only
        backend.add("audit", {"id": item.id, "action": "approve", "by": "alice",
                              "at": "2026-11-30T19:00:00.000Z", "position": position})
        decided = await mod.next("queued", "decision", "item")
        assert decided["type"] == "decision" and decided["action"] == "approve"
        assert decided["by"] == "alice" and decided["item"]["text"] == "une question"
        marker = await wall.next()
        assert (marker["type"], marker["position"]) == ("item", position)
        assert [f["type"] for f in wall.received] == ["item"]
    assert backend.present == set()  # the moderator's socket counted gone
    await hub.close()


async def test_a_burst_of_reaction_deltas_becomes_one_frame() -> None:
    """Many deltas read together reach walls and moderators as one `reactions` frame with
    their sum and the new totals."""
    backend = FakeBackend(totals={"clap": 5})
    hub = Hub(backend)
    async with hub.subscribe(SLUG) as wall_sub, hub.subscribe(SLUG, "moderator") as mod_sub:
        wall, mod = Listener(wall_sub), Listener(mod_sub)
        for _ in range(30):
            backend.tap(clap=1)
        backend.tap(heart=2)
        expected = {"type": "reactions", "totals": {"clap": 35, "heart": 2},
                    "delta": {"clap": 30, "heart": 2}}
        assert await wall.next("reactions") == expected
        assert await mod.next("reactions") == expected
    await hub.close()


async def test_reaction_deltas_become_at_most_one_frame_per_interval() -> None:
    """Taps arriving all along give at most one `reactions` frame per interval, none when
    nothing changed, and the frames' deltas add up to every tap, none lost or counted
    twice."""
    backend = FakeBackend()
    hub = Hub(backend)
    started = time.monotonic()
    async with hub.subscribe(SLUG) as sub:
        wall = Listener(sub)
        taps = 0
        while time.monotonic() - started < 4 * REACTIONS_INTERVAL:
            backend.tap(clap=1)
            taps += 1
            await asyncio.sleep(REACTIONS_INTERVAL / 10)
        frames = [await wall.next("reactions")]
        while frames[-1]["totals"]["clap"] < taps:
            frames.append(await wall.next("reactions"))
        elapsed = time.monotonic() - started
        # Quiet intervals send nothing: the next frame after two of them is the next entry.
        await asyncio.sleep(2 * REACTIONS_INTERVAL)
        position, _ = backend.approve("après les applaudissements")
        assert (await wall.next())["position"] == position
    await hub.close()
    assert sum(f["delta"]["clap"] for f in frames) == taps
    running = 0
    for f in frames:
        running += f["delta"]["clap"]
        assert f["totals"] == {"clap": running}
    assert len(frames) <= elapsed / REACTIONS_INTERVAL + 1, (len(frames), taps, elapsed)


async def test_a_channel_starts_with_its_first_listener_and_stops_with_its_last() -> None:
    """The first subscription to an event starts its reader; others share it; the last one
    leaving stops it, and the next listener gets a new one."""
    backend = FakeBackend()
    hub = Hub(backend)
    async with hub.subscribe(SLUG):
        channel = hub.channels[SLUG]
        async with hub.subscribe(SLUG, "moderator"):
            assert hub.channels[SLUG] is channel and hub.connections() == 2
        assert hub.channels[SLUG] is channel and hub.connections() == 1
        assert not any(task.done() for task in channel.tasks)
    assert SLUG not in hub.channels and hub.connections() == 0
    assert all(task.done() for task in channel.tasks)
    async with hub.subscribe(SLUG):
        assert hub.channels[SLUG] is not channel
    await hub.close()
