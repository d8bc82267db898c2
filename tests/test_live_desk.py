"""What the hub gives moderator subscriptions: decisions with their item, and counters from
one presence loop per event and process, which ends even if a cancel is swallowed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.frames import frames
from tests.support.timing import timeout
from wall.live.hub import Hub
from wall.live.presence import DeskPresence
from wall.live.subscription import Subscription
from wall.models import Item, new_item_id, utc_now_iso
from wall.store.decisions import decide
from wall.store.desk import moderators_online
from wall.store.inbox import insert_item
from wall.store.listen import FeedBackend


async def next_frame(frames: AsyncIterator[str], kind: str) -> dict[str, Any]:
    """The next frame of type `kind`, skipping the others."""
    async def scan() -> dict[str, Any]:
        async for text in frames:
            if (frame := json.loads(text))["type"] == kind:
                return dict(frame)
        raise AssertionError(f"the frames ended before a {kind} frame")

    return await asyncio.wait_for(scan(), timeout())


def desk_loops(slug: str) -> int:
    return sum(t.get_name() == f"desk-{slug}" and not t.done() for t in asyncio.all_tasks())


async def test_a_decision_frame_carries_the_decided_item(
        redis: Redis, event: EventFixture) -> None:
    """A moderator gets the item as queued, then each decision with the item's body."""
    hub = Hub(FeedBackend(redis))
    try:
        async with hub.subscribe(event.slug, "moderator") as sub:
            reader = frames(sub)
            item = Item(id=new_item_id(), event=event.slug, source="web", source_id="s1",
                        author="Ana", text="Bonsoir", received_at=utc_now_iso(),
                        author_key="web:ana000000000000001")
            await insert_item(redis, item)
            queued = await next_frame(reader, "queued")
            assert (queued["item"]["id"], queued["state"]) == (item.id, "pending")
            await decide(redis, event.slug, item.id, "approve", by="alice")
            decision = await next_frame(reader, "decision")
            assert (decision["id"], decision["by"], decision["from"], decision["to"]) == (
                item.id, "alice", "pending", "approved")
            assert decision["item"] == item.__dict__
    finally:
        await hub.close()


async def test_one_loop_beats_every_moderator_of_the_process(
        redis: Redis, event: EventFixture) -> None:
    """Two moderator subscriptions: one presence loop, both counted and pushed counters;
    the one left is counted alone once the other goes, and none once the loop stops."""
    hub = Hub(FeedBackend(redis))
    try:
        async with hub.subscribe(event.slug, "moderator") as first:
            reader = frames(first)
            async with hub.subscribe(event.slug, "moderator") as second:
                for sub_frames in (reader, frames(second)):
                    while (await next_frame(sub_frames, "counters"))["moderators"] != 2:
                        pass
                assert desk_loops(event.slug) == 1
            while (await next_frame(reader, "counters"))["moderators"] != 1:
                pass
        assert await moderators_online(redis, event.slug) == 0
        assert desk_loops(event.slug) == 0
    finally:
        await hub.close()


class SwallowingBackend:
    """A backend whose heartbeat swallows a cancel, as a Redis client call may."""

    def __init__(self) -> None:
        self.beating = asyncio.Event()
        self.gone: list[str] = []

    async def beat(self, slug: str, present: list[str], gone: list[str]) -> None:
        self.gone += gone
        if present:
            self.beating.set()
            try:
                await asyncio.sleep(timeout(30))
            except asyncio.CancelledError:
                pass

    async def counters(self, slug: str) -> dict[str, Any]:
        return {"moderators": 1}


async def test_the_presence_loop_ends_on_its_flag_when_a_cancel_is_swallowed() -> None:
    """Stopping while a heartbeat swallows the cancel still ends the loop, and the member
    is counted gone."""
    backend = SwallowingBackend()
    desk = DeskPresence(backend, "swallow")
    sub = Subscription()
    desk.join(sub)
    await asyncio.wait_for(backend.beating.wait(), timeout())
    member = desk.members[sub]
    await asyncio.wait_for(desk.stop(), timeout())
    assert desk_loops("swallow") == 0
    assert backend.gone == [member]
