"""`clameur ingest` as a real process: crash and restart mid-stream, two at once."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.fakes.bluesky import FakeAppView, FakeJetstream, post_event
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x_api import FakeX
from tests.support.ingest import IngestProcess
from tests.support.sources import count_at_least, inbox_items
from wall.store import keys

DID = "did:plc:ingest0000000000000000000"


@dataclass
class World:
    x: FakeX
    mastodon: FakeMastodon
    jetstream: FakeJetstream
    appview: FakeAppView
    slug: str
    redis_url: str
    posted: int = 0

    def process(self) -> IngestProcess:
        return IngestProcess(self.redis_url, {
            "X_BEARER_TOKEN": self.x.token, "CLAMEUR_X_API_URL": self.x.url,
            "CLAMEUR_X_POLL_SECONDS": "0.05", "CLAMEUR_MASTODON_POLL_SECONDS": "0.05",
            "CLAMEUR_JETSTREAM_URL": self.jetstream.url,
            "CLAMEUR_BLUESKY_APPVIEW_URL": self.appview.url,
            "CLAMEUR_INGEST_REFRESH": "0.2", "CLAMEUR_INGEST_BACKOFF": "0.05,0.2",
        }, [self.slug]).start()

    async def say(self, n: int) -> None:
        """n posts on each of the three networks."""
        for _ in range(n):
            self.posted += 1
            k = self.posted
            self.x.post(f"#clameur tweet {k}")
            self.mastodon.post(f"<p>pouet {k}</p>", ["clameur"])
            await self.jetstream.publish(post_event(DID, f"3p{k}", f"#clameur skeet {k}",
                                                    self.jetstream.next_time(),
                                                    tags=["clameur"]))

    def expected(self) -> set[str]:
        return ({t.id for t in self.x.tweets} | {s["uri"] for s in self.mastodon.statuses}
                | {f"at://{DID}/app.bsky.feed.post/3p{k}" for k in range(1, self.posted + 1)})


@pytest.fixture
async def world(redis: Redis, redis_url: str) -> AsyncIterator[World]:
    async with FakeX() as x, FakeMastodon() as mastodon, FakeJetstream() as jetstream, \
            FakeAppView() as appview:
        appview.add(DID, "someone.bsky.social", "Someone")
        ev = await make_event(redis, hashtags=["clameur"], mastodon_instances=[mastodon.url])
        yield World(x, mastodon, jetstream, appview, ev.slug, redis_url)


async def assert_exactly_once(redis: Redis, world: World) -> None:
    items = await count_at_least(redis, world.slug, 3 * world.posted)
    ids = [i.source_id for i in items]
    assert len(ids) == len(set(ids)) == 3 * world.posted
    assert set(ids) == world.expected()


async def test_killed_and_restarted_ingest_misses_nothing_and_repeats_nothing(
        redis: Redis, world: World) -> None:
    """SIGKILL mid-stream, posts while down, restart: every post once, resumed at cursors."""
    first = world.process()
    try:
        await world.jetstream.wait_connections(1)
        await world.say(5)
        await count_at_least(redis, world.slug, 15)
        await world.say(5)  # some of these are in flight when the process dies
        await first.kill()
        await world.say(5)  # posted while nothing runs
        x_cursor = await redis.get(keys.source_cursor(world.slug, "x"))
        seen_by_x = len(world.x.requests)
        seen_by_mastodon = len(world.mastodon.requests)
        second = world.process()
        await assert_exactly_once(redis, world)
    finally:
        await first.stop()
        code = await second.stop() if "second" in locals() else None
    assert code == 0, second.log()
    assert x_cursor and world.x.requests[seen_by_x].query["since_id"] == x_cursor
    assert "min_id" in world.mastodon.requests[seen_by_mastodon].query
    assert "cursor" in world.jetstream.connections[-1]


async def test_two_ingest_processes_do_not_duplicate_anything(redis: Redis,
                                                              world: World) -> None:
    """Started twice by mistake: both read every source, each post is stored once."""
    one, two = world.process(), world.process()
    try:
        await world.jetstream.wait_connections(2)
        await world.say(8)
        await assert_exactly_once(redis, world)
        await world.say(4)
        await assert_exactly_once(redis, world)
    finally:
        codes = [await one.stop(signal.SIGINT), await two.stop()]
    assert codes == [0, 0], one.log() + two.log()
    assert len(await inbox_items(redis, world.slug)) == 36
