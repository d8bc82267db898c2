"""Bluesky connector against a loopback Jetstream (websockets) and AppView (HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.fakes.bluesky import FakeAppView, FakeJetstream, post_event
from tests.support.sources import count_at_least, eventually, status
from wall.models import Event
from wall.sources.bluesky import JetstreamConnector, Profiles
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Backoff, Supervisor
from wall.store import keys
from wall.store.events import get_event
from wall.tasks import cancel_and_wait

ALICE = "did:plc:alice000000000000000000"
BOB = "did:plc:bob00000000000000000000"


@dataclass
class Rig:
    jetstream: FakeJetstream
    appview: FakeAppView
    profiles: Profiles
    settings: SourceSettings
    event: Event

    def connector(self, redis: Redis) -> JetstreamConnector:
        return JetstreamConnector(redis, self.event, self.profiles, self.settings)


@pytest.fixture
async def rig(redis: Redis) -> AsyncIterator[Rig]:
    async with FakeJetstream() as jetstream, FakeAppView() as appview, \
            httpx.AsyncClient(timeout=5) as http:
        appview.add(ALICE, "alice.bsky.social", "Alice")
        appview.add(BOB, "bob.bsky.social", "")  # no display name
        settings = SourceSettings(jetstream_url=jetstream.url, bluesky_appview_url=appview.url)
        ev = await make_event(redis, hashtags=["Clameur"])
        event = await get_event(redis, ev.slug)
        assert event is not None
        yield Rig(jetstream, appview, Profiles(http, appview.url), settings, event)


async def running(rig: Rig, redis: Redis, connections: int = 1) -> asyncio.Task[None]:
    task = asyncio.create_task(rig.connector(redis).run())
    await rig.jetstream.wait_connections(connections)
    return task


async def stop(task: asyncio.Task[None]) -> None:
    await cancel_and_wait(task)


async def test_posts_tagged_by_facet_or_tags_arrive_case_insensitively(rig: Rig,
                                                                      redis: Redis) -> None:
    """Facet #Clameur and tags ["CLAMEUR"] match; other tags, likes and deletes do not."""
    task = await running(rig, redis)
    js = rig.jetstream
    await js.publish(post_event(ALICE, "3k1", "Salut #Clameur", js.next_time(),
                                facet_tags=["Clameur"],
                                embed={"$type": "app.bsky.embed.images", "images": [
                                    {"alt": "la salle", "image": {"$type": "blob", "ref": {
                                        "$link": "bafkreiimg"}, "mimeType": "image/jpeg"}}]}))
    await js.publish(post_event(BOB, "3k2", "sans facette", js.next_time(), tags=["CLAMEUR"],
                                labels={"$type": "com.atproto.label.defs#selfLabels",
                                        "values": [{"val": "graphic-media"}]}))
    await js.publish(post_event(ALICE, "3k3", "autre #sujet", js.next_time(),
                                facet_tags=["sujet"]))
    like = post_event(ALICE, "3k4", "#clameur", js.next_time(), facet_tags=["clameur"])
    like["commit"]["collection"] = "app.bsky.feed.like"
    await js.publish(like)
    deleted = post_event(ALICE, "3k5", "#clameur", js.next_time(), facet_tags=["clameur"])
    deleted["commit"]["operation"] = "delete"
    await js.publish(deleted)
    last = js.next_time()
    await js.publish(post_event(ALICE, "3k6", "fin #clameur", last, facet_tags=["clameur"]))
    items = await count_at_least(redis, rig.event.slug, 3)
    cursor = keys.source_cursor(rig.event.slug, "bluesky")

    async def saved() -> bool:  # just after the post is stored: the cursor of the last one
        return await redis.get(cursor) == str(last)

    await eventually(saved)
    await stop(task)

    assert [i.text for i in items] == ["Salut #Clameur", "sans facette", "fin #clameur"]
    first, second, _ = items
    assert (first.author, first.author_key) == ("Alice", f"bluesky:{ALICE}")
    assert first.source_id == f"at://{ALICE}/app.bsky.feed.post/3k1"
    assert first.url == "https://bsky.app/profile/alice.bsky.social/post/3k1"
    assert first.media == [{"url": "https://cdn.bsky.app/img/feed_fullsize/plain/"
                                   f"{ALICE}/bafkreiimg@jpeg", "alt": "la salle"}]
    assert (second.author, second.sensitive) == ("bob.bsky.social", True)  # the handle
    assert rig.jetstream.connections[0]["wantedCollections"] == ["app.bsky.feed.post"]


async def test_profiles_are_resolved_once_and_cached(rig: Rig, redis: Redis) -> None:
    """Three posts by one author cost one getProfile request."""
    task = await running(rig, redis)
    for n in range(3):
        await rig.jetstream.publish(post_event(ALICE, f"3c{n}", f"#clameur {n}",
                                               rig.jetstream.next_time(), tags=["clameur"]))
    await count_at_least(redis, rig.event.slug, 3)
    await stop(task)
    assert [r.query["actor"] for r in rig.appview.requests] == [ALICE]


async def test_malformed_messages_are_skipped_and_the_stream_goes_on(rig: Rig,
                                                                    redis: Redis) -> None:
    """Not-JSON, no time_us, a record that is not an object: skipped; the next post arrives."""
    task = await running(rig, redis)
    js = rig.jetstream
    await js.publish("{not json")
    await js.publish(json.dumps({"kind": "commit", "did": ALICE}))
    broken = post_event(ALICE, "3m1", "#clameur", js.next_time(), tags=["clameur"])
    broken["commit"]["record"] = "oops"
    await js.publish(broken)
    await js.publish(post_event(ALICE, "3m2", "ok #clameur", js.next_time(), tags=["clameur"]))
    (item,) = await count_at_least(redis, rig.event.slug, 1)
    assert item.text == "ok #clameur" and not task.done()
    await stop(task)


async def test_reconnect_resumes_from_the_cursor_without_gap_or_duplicate(rig: Rig,
                                                                         redis: Redis) -> None:
    """Jetstream drops us; posts made while away arrive after the reconnect, each once."""
    supervisor = Supervisor(redis, lambda e: {"b": ("bluesky", rig.connector(redis).run)},
                            Backoff(0.05, 0.1), only={rig.event.slug})
    halt = asyncio.Event()
    task = asyncio.create_task(supervisor.run(halt))
    js = rig.jetstream
    await js.wait_connections(1)
    first = js.next_time()
    await js.publish(post_event(ALICE, "3r1", "un #clameur", first, tags=["clameur"]))
    await count_at_least(redis, rig.event.slug, 1)
    await js.drop_all()
    for n in (2, 3):
        js.log.append(post_event(ALICE, f"3r{n}", f"{n} #clameur", js.next_time(),
                                 tags=["clameur"]))
    await js.wait_connections(2)
    items = await count_at_least(redis, rig.event.slug, 3)
    await js.publish(post_event(ALICE, "3r4", "4 #clameur", js.next_time(), tags=["clameur"]))
    items = await count_at_least(redis, rig.event.slug, 4)
    halt.set()
    await task

    assert [i.text for i in items] == ["un #clameur", "2 #clameur", "3 #clameur", "4 #clameur"]
    resumed_from = int(js.connections[1]["cursor"][0])
    assert resumed_from <= first and "cursor" not in js.connections[0]


async def test_a_refused_handshake_is_retried_with_backoff(rig: Rig, redis: Redis) -> None:
    """Jetstream answers 503 twice: the supervisor reconnects, then posts flow."""
    rig.jetstream.refuse = 2
    supervisor = Supervisor(redis, lambda e: {"b": ("bluesky", rig.connector(redis).run)},
                            Backoff(0.02, 5.0), only={rig.event.slug})
    halt = asyncio.Event()
    task = asyncio.create_task(supervisor.run(halt))
    try:
        await rig.jetstream.wait_connections(1)
        await rig.jetstream.publish(post_event(ALICE, "3x1", "enfin #clameur",
                                               rig.jetstream.next_time(), tags=["clameur"]))
        (item,) = await count_at_least(redis, rig.event.slug, 1)
        state = await status(redis, rig.event.slug, "bluesky")
    finally:
        halt.set()
        await task
    assert rig.jetstream.refused == 2 and state["restarts"] == 2
    assert item.text == "enfin #clameur"


async def test_an_appview_failure_is_retried_and_an_unreadable_profile_is_not_ingested(
        rig: Rig, redis: Redis) -> None:
    """getProfile answers 500 once: asked again, the post is stored with the profile. A
    profile that cannot be read (consent unknown, wall/sources/consent.py) is skipped."""
    rig.appview.fail_next(500, '{"error": "InternalServerError"}')
    task = await running(rig, redis)
    js = rig.jetstream
    await js.publish(post_event(ALICE, "3y1", "#clameur quand même", js.next_time(),
                                tags=["clameur"]))
    await js.publish(post_event("did:plc:nobody0000000000000000", "3y2", "#clameur inconnu",
                                js.next_time(), tags=["clameur"]))
    await js.publish(post_event(ALICE, "3y3", "#clameur après", js.next_time(),
                                tags=["clameur"]))
    items = await count_at_least(redis, rig.event.slug, 2)
    await stop(task)
    assert [i.text for i in items] == ["#clameur quand même", "#clameur après"]
    assert (items[0].author, items[0].url) == (
        "Alice", "https://bsky.app/profile/alice.bsky.social/post/3y1")
