"""X connector against a loopback X API v2, through tweepy's AsyncClient and aiohttp."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from redis.asyncio import Redis
from tweepy.errors import TwitterServerError

from tests.conftest import make_event
from tests.fakes.x_api import Author, FakeX
from tests.support.sources import count_at_least, eventually, inbox_items, status
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Backoff, Supervisor
from wall.sources.x import MalformedPayload, XConnector, make_client, open_session, pause
from wall.store import keys
from wall.store.events import get_event, update_event


@dataclass
class XRig:
    fake: FakeX
    session: aiohttp.ClientSession
    settings: SourceSettings
    slug: str

    async def connector(self, redis: Redis) -> XConnector:
        event = await get_event(redis, self.slug)
        assert event is not None
        return XConnector(redis, event, make_client(self.settings, self.session), self.settings)


@pytest.fixture
async def rig(redis: Redis) -> AsyncIterator[XRig]:
    fake = await FakeX().start()
    settings = SourceSettings(x_bearer_token="test-bearer", x_api_url=fake.url,
                              x_poll_seconds="0.01")
    session = open_session(settings)
    ev = await make_event(redis, hashtags=["Clameur"])
    yield XRig(fake, session, settings, ev.slug)
    await session.close()
    await fake.stop()


async def test_tweets_arrive_with_author_avatar_media_and_plain_text(rig: XRig,
                                                                     redis: Redis) -> None:
    """A search page becomes items: names from includes.users, media with alt, text unescaped."""
    rig.fake.post("Hello #clameur &amp; welcome &lt;3",
                  media=[{"media_key": "3_1", "type": "photo",
                          "url": "https://pbs.twimg.com/media/a.jpg", "alt_text": "a stage"}])
    rig.fake.post("#Clameur second", author=Author("99", "Dominique", "dom"), sensitive=True)
    rig.fake.post("no hashtag here")
    connector = await rig.connector(redis)
    await connector.poll()

    first, second = await inbox_items(redis, rig.slug)
    assert (first.text, first.author, first.author_key) == ("Hello #clameur & welcome <3",
                                                            "Camille", "x:2244994945")
    assert first.media == [{"url": "https://pbs.twimg.com/media/a.jpg", "alt": "a stage"}]
    assert first.url == f"https://x.com/camille_c/status/{rig.fake.tweets[0].id}"
    assert first.avatar and first.avatar.endswith("/2244994945/a.jpg")
    assert (second.author, second.sensitive, second.source) == ("Dominique", True, "x")
    query = rig.fake.requests[0].query
    assert query["query"] == "#Clameur -is:retweet" and "since_id" not in query
    assert "attachments.media_keys" in query["expansions"]
    assert await redis.get(keys.source_cursor(rig.slug, "x")) == rig.fake.tweets[1].id


async def test_since_id_resumes_and_pages_through_a_burst(rig: XRig, redis: Redis) -> None:
    """After the cursor, every tweet of a 130-tweet burst arrives once, oldest first."""
    rig.fake.post("#clameur before")
    connector = await rig.connector(redis)
    await connector.poll()
    cursor = rig.fake.tweets[0].id
    burst = [rig.fake.post(f"#clameur n{i}") for i in range(130)]
    await connector.poll()

    searches = rig.fake.requests[1:]
    assert [s.query.get("since_id") for s in searches] == [cursor, cursor]
    assert [s.query.get("next_token") for s in searches] == [None, "100"]
    items = await inbox_items(redis, rig.slug)
    assert [i.source_id for i in items] == [cursor] + [t.id for t in burst]
    assert await redis.get(keys.source_cursor(rig.slug, "x")) == burst[-1].id


async def test_rate_limit_429_waits_until_reset_and_keeps_the_cursor(rig: XRig,
                                                                    redis: Redis) -> None:
    """A 429 stores nothing, keeps the cursor and pauses until x-rate-limit-reset."""
    rig.fake.post("#clameur one")
    connector = await rig.connector(redis)
    await connector.poll()
    rig.fake.post("#clameur two")
    rig.fake.rate_limited(reset_in=120)
    wait = await connector.poll()
    assert 110 <= wait <= 125
    assert len(await inbox_items(redis, rig.slug)) == 1
    assert await redis.get(keys.source_cursor(rig.slug, "x")) == rig.fake.tweets[0].id
    await connector.poll()
    assert [i.text for i in await inbox_items(redis, rig.slug)] == ["#clameur one",
                                                                    "#clameur two"]


def test_pause_spreads_the_remaining_quota_over_the_window() -> None:
    """The pause is the window left divided by the requests left, never below the floor."""
    headers = {"x-rate-limit-remaining": "10", "x-rate-limit-reset": "1100"}
    assert pause(headers, 1.0, now=1000.0) == 10.0
    assert pause({**headers, "x-rate-limit-remaining": "0"}, 1.0, now=1000.0) == 101.0
    assert pause({**headers, "x-rate-limit-remaining": "500"}, 1.0, now=1000.0) == 1.0
    assert pause({}, 3.0) == 3.0


async def test_server_errors_and_garbage_raise_without_moving_the_cursor(rig: XRig,
                                                                        redis: Redis) -> None:
    """503 and non-JSON answers fail the poll; the cursor stays where it was."""
    rig.fake.post("#clameur kept")
    connector = await rig.connector(redis)
    rig.fake.fail_next(503, '{"title":"Service Unavailable","status":503}')
    with pytest.raises(TwitterServerError):
        await connector.poll()
    rig.fake.fail_next(200, "<html>oops", content_type="text/html")
    with pytest.raises(MalformedPayload):
        await connector.poll()
    rig.fake.fail_next(200, '{"data": "not a list", "meta": {}}')
    with pytest.raises(MalformedPayload):
        await connector.poll()
    assert await redis.get(keys.source_cursor(rig.slug, "x")) is None
    await connector.poll()
    assert [i.text for i in await inbox_items(redis, rig.slug)] == ["#clameur kept"]


async def test_supervised_connector_recovers_after_failures(rig: XRig, redis: Redis) -> None:
    """Under the supervisor, two failures are restarted with backoff, then tweets arrive."""
    rig.fake.post("#clameur after the storm")
    rig.fake.fail_next(500, '{"title":"Internal Error"}', times=2)

    async def plan_runner() -> None:
        await (await rig.connector(redis)).run()

    supervisor = Supervisor(redis, lambda e: {"x": ("x", plan_runner)},
                            Backoff(first=0.01, longest=5.0), only={rig.slug})
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    try:
        await count_at_least(redis, rig.slug, 1)
        state = await eventually(lambda: status(redis, rig.slug, "x"))
        assert state["restarts"] == 2
    finally:
        stop.set()
        await task
    assert [r.status for r in rig.fake.requests[:3]] == [500, 500, 200]


async def test_an_overlong_tweet_is_skipped_and_the_rest_goes_on(rig: XRig,
                                                                redis: Redis) -> None:
    """A tweet over 500 characters is logged and skipped; its neighbours are stored."""
    rig.fake.post("#clameur a")
    rig.fake.post("#clameur " + "x" * 600)
    rig.fake.post("#clameur c")
    await (await rig.connector(redis)).poll()
    assert [i.text for i in await inbox_items(redis, rig.slug)] == ["#clameur a", "#clameur c"]
    assert await redis.get(keys.source_cursor(rig.slug, "x")) == rig.fake.tweets[2].id


async def test_a_running_connector_follows_the_event_mode_and_status(rig: XRig,
                                                                    redis: Redis) -> None:
    """Switched to post-moderation with hashtag posts following the mode, new tweets are
    approved; once closed, none is stored."""
    connector = await rig.connector(redis)  # holds the event as it was: pre-moderation
    await update_event(redis, rig.slug, {"mode": "post",
                                         "social_post_moderation": "follow_mode"})
    rig.fake.post("#clameur approved at once")
    await connector.poll()
    (item,) = await inbox_items(redis, rig.slug)
    assert await redis.hget(keys.state(rig.slug), item.id) == "approved"
    await update_event(redis, rig.slug, {"status": "closed"})
    rig.fake.post("#clameur too late")
    await connector.poll()
    assert len(await inbox_items(redis, rig.slug)) == 1


async def test_every_search_goes_over_one_long_lived_connection(rig: XRig,
                                                               redis: Redis) -> None:
    """Two events, several polls: one aiohttp session, one kept-alive TCP connection."""
    other = await make_event(redis, hashtags=["autre"])
    second = await get_event(redis, other.slug)
    assert second is not None
    first = await rig.connector(redis)
    again = XConnector(redis, second, make_client(rig.settings, rig.session), rig.settings)
    for _ in range(3):
        await first.poll()
        await again.poll()
    peers = {r.peer for r in rig.fake.requests}
    assert len(rig.fake.requests) == 6 and len(peers) == 1 and None not in peers
