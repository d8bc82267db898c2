"""Mastodon connector against loopback instances, through httpx and the real HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.fakes.mastodon import FakeMastodon, account
from tests.support.sources import count_at_least, eventually, inbox_items, status
from wall.models import Event
from wall.sources.mastodon import MalformedPayload, MastodonConnector, html_to_text
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Backoff, Supervisor
from wall.store import keys
from wall.store.events import get_event
from wall.tasks import cancel_and_wait

FAST = SourceSettings(mastodon_poll_seconds="0.01")


@pytest.fixture
async def instance() -> AsyncIterator[FakeMastodon]:
    async with FakeMastodon() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def event_for(redis: Redis, *instances: FakeMastodon, tags: tuple[str, ...] = ("Clameur",)
                    ) -> Event:
    ev = await make_event(redis, hashtags=list(tags),
                          mastodon_instances=[i.url for i in instances])
    event = await get_event(redis, ev.slug)
    assert event is not None
    return event


async def test_statuses_become_items_with_author_avatar_and_alt_text(
        instance: FakeMastodon, http: httpx.AsyncClient, redis: Redis) -> None:
    """Content HTML becomes text with paragraphs; author, avatar, media and link are kept."""
    instance.post('<p>Bonjour <a href="https://social.example/tags/clameur" class="mention '
                  'hashtag">#<span>clameur</span></a></p>'
                  '<p>ligne&nbsp;2<br />ligne 3 &amp; fin</p>',
                  ["clameur"], who=account("dom", "Dominique", "piaille.fr"),
                  media_attachments=[{"id": "1", "type": "image",
                                      "url": "https://files.example/a.png",
                                      "preview_url": "https://files.example/a-small.png",
                                      "description": "la scène"}])
    event = await event_for(redis, instance)
    await MastodonConnector(redis, event, instance.url, http, FAST).poll()

    (item,) = await inbox_items(redis, event.slug)
    assert item.text == "Bonjour #clameur\n\nligne\u00a02\nligne 3 & fin"
    assert (item.author, item.author_key) == ("Dominique", "mastodon:dom@piaille.fr")
    assert item.media == [{"url": "https://files.example/a.png", "alt": "la scène"}]
    assert item.avatar == "https://files.example/avatars/dom-static.png"
    assert item.url == instance.statuses[0]["url"] and item.sensitive is False
    assert instance.requests[0].query == {"limit": "40"}


async def test_script_and_onerror_payloads_end_up_inert_plain_text(
        instance: FakeMastodon, http: httpx.AsyncClient, redis: Redis) -> None:
    """Scripts vanish with their content; handlers and tags are gone; escaped text stays text."""
    instance.post('<p>salut<script>alert(document.cookie)</script>'
                  '<img src=x onerror="alert(1)"><a href="javascript:alert(2)" '
                  'onmouseover="alert(3)">lien</a> &lt;img src=x onerror=alert(4)&gt;</p>'
                  '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>',
                  ["clameur"])
    event = await event_for(redis, instance)
    await MastodonConnector(redis, event, instance.url, http, FAST).poll()

    (item,) = await inbox_items(redis, event.slug)
    assert item.text == "salutlien <img src=x onerror=alert(4)>"
    assert "alert(document" not in item.text and "javascript" not in item.text
    assert "display:none" not in item.text and "iframe" not in item.text


def test_html_to_text_keeps_line_breaks_and_decodes_entities() -> None:
    """<br> and paragraphs become newlines; &amp; &lt; &#39; become characters."""
    assert html_to_text("<p>a<br>b</p><p>c &amp; d &lt;3 l&#39;ami</p>") == \
        "a\nb\n\nc & d <3 l'ami"


async def test_spoiler_marks_the_item_sensitive_and_shows_the_warning_first(
        instance: FakeMastodon, http: httpx.AsyncClient, redis: Redis) -> None:
    """spoiler_text leads the text and makes the item sensitive (media hidden by default)."""
    instance.post("<p>détails</p>", ["clameur"], spoiler_text="Résultats du vote",
                  media_attachments=[{"id": "2", "type": "video", "url": "https://f/v.mp4",
                                      "preview_url": "https://f/v.jpg", "description": None}])
    instance.post("<p>photo</p>", ["clameur"], sensitive=True)
    event = await event_for(redis, instance)
    await MastodonConnector(redis, event, instance.url, http, FAST).poll()

    spoiler, flagged = await inbox_items(redis, event.slug)
    assert spoiler.text == "⚠ Résultats du vote\n\ndétails" and spoiler.sensitive
    assert spoiler.content_warning == "Résultats du vote"
    assert spoiler.media == [{"url": "https://f/v.jpg", "alt": ""}]
    assert flagged.sensitive and flagged.content_warning is None
    assert not spoiler.revealed and not flagged.revealed


async def test_min_id_walks_forward_page_by_page_without_gaps(
        instance: FakeMastodon, http: httpx.AsyncClient, redis: Redis) -> None:
    """95 new statuses after the cursor arrive once each, oldest first, in three pages."""
    instance.post("<p>first</p>", ["clameur"])
    event = await event_for(redis, instance)
    connector = MastodonConnector(redis, event, instance.url, http, FAST)
    await connector.poll()
    cursor = instance.statuses[0]["id"]
    burst = [instance.post(f"<p>n{i}</p>", ["Clameur"]) for i in range(95)]
    await connector.poll()

    min_ids = [r.query.get("min_id") for r in instance.requests[1:]]
    assert min_ids == [cursor, burst[39]["id"], burst[79]["id"]]
    items = await inbox_items(redis, event.slug)
    assert [i.text for i in items] == ["first"] + [f"n{i}" for i in range(95)]
    cursor_key = keys.source_cursor(event.slug, "mastodon:127.0.0.1:clameur")
    assert await redis.get(cursor_key) == burst[-1]["id"]


async def test_same_status_on_two_instances_and_a_boost_are_stored_once(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """Keyed by the status uri: federation copies and boosts do not duplicate."""
    async with FakeMastodon("a.example") as a, FakeMastodon("b.example", first_id=5) as b:
        original = a.post("<p>une fois</p>", ["clameur"])
        b.post("<p>une fois</p>", ["clameur"], uri=original["uri"])
        b.post("", ["clameur"], reblog=original, who=account("booster", "B"))
        event = await event_for(redis, a, b)
        await MastodonConnector(redis, event, a.url, http, FAST).poll()
        await MastodonConnector(redis, event, b.url, http, FAST).poll()
    items = await inbox_items(redis, event.slug)
    assert [(i.text, i.source_id) for i in items] == [("une fois", original["uri"])]


async def test_429_pauses_until_reset_and_errors_keep_the_cursor(
        instance: FakeMastodon, http: httpx.AsyncClient, redis: Redis) -> None:
    """429 waits for X-RateLimit-Reset; 5xx and garbage raise; nothing moves meanwhile."""
    event = await event_for(redis, instance)
    connector = MastodonConnector(redis, event, instance.url, http, FAST)
    instance.post("<p>un</p>", ["clameur"])
    instance.rate_limited(reset_in=90)
    assert 80 <= await connector.poll() <= 95
    instance.fail_next(502, "<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(httpx.HTTPStatusError):
        await connector.poll()
    instance.fail_next(200, '{"error": "not a list"}')
    with pytest.raises(MalformedPayload):
        await connector.poll()
    instance.fail_next(200, "[{oops")
    with pytest.raises(MalformedPayload):
        await connector.poll()
    assert await inbox_items(redis, event.slug) == []
    await connector.poll()
    assert [i.text for i in await inbox_items(redis, event.slug)] == ["un"]


async def test_an_instance_that_requires_a_token_gets_it(http: httpx.AsyncClient,
                                                         redis: Redis) -> None:
    """With CLAMEUR_MASTODON_TOKENS the connector authenticates to that instance."""
    async with FakeMastodon(token="s3cret") as locked:
        locked.post("<p>privé</p>", ["clameur"])
        event = await event_for(redis, locked)
        with pytest.raises(httpx.HTTPStatusError):
            await MastodonConnector(redis, event, locked.url, http, FAST).poll()
        settings = SourceSettings(mastodon_poll_seconds="0.01",
                                  mastodon_tokens="127.0.0.1=s3cret")
        await MastodonConnector(redis, event, locked.url, http, settings).poll()
    assert [i.text for i in await inbox_items(redis, event.slug)] == ["privé"]


async def test_a_failing_instance_restarts_with_backoff_while_another_goes_on(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """Instance A answers 500 three times: B's statuses arrive meanwhile, then A's."""
    async with FakeMastodon("a.example") as a, FakeMastodon("b.example", first_id=7) as b:
        a.fail_next(500, '{"error": "boom"}', times=3)
        a.post("<p>from a</p>", ["clameur"])
        b.post("<p>from b</p>", ["clameur"])
        event = await event_for(redis, a, b)

        def plan(ev: Event) -> dict[str, tuple[str, object]]:
            out = {}
            for url in ev.mastodon_instances:
                c = MastodonConnector(redis, ev, url, http, FAST)
                out[c.base] = (c.base, c.run)
            return out

        supervisor = Supervisor(redis, plan, Backoff(first=0.2, longest=5.0),  # type: ignore[arg-type]
                                only={event.slug})
        stop = asyncio.Event()
        task = asyncio.create_task(supervisor.run(stop))
        try:
            (first,) = await count_at_least(redis, event.slug, 1)
            assert first.text == "from b"

            async def in_backoff() -> bool:
                return (await status(redis, event.slug, a.url)).get("state") == "backoff"

            await eventually(in_backoff)
            await count_at_least(redis, event.slug, 2)
            recovered = await eventually(lambda: status(redis, event.slug, a.url))
            assert recovered["restarts"] == 3
        finally:
            stop.set()
            await task
        assert [r.status for r in a.requests[:4]] == [500, 500, 500, 200]


async def test_with_a_user_token_new_statuses_arrive_by_the_stream(http: httpx.AsyncClient,
                                                                   redis: Redis) -> None:
    """Catch up by min_id, then live SSE updates; a dropped stream loses nothing."""
    settings = SourceSettings(mastodon_poll_seconds="0.01", mastodon_tokens="127.0.0.1=user")
    async with FakeMastodon(token="user") as inst:
        inst.post("<p>avant</p>", ["clameur"])
        event = await event_for(redis, inst)
        task = asyncio.create_task(MastodonConnector(redis, event, inst.url, http,
                                                     settings).run())
        try:
            await inst.wait_streams(1)
            await count_at_least(redis, event.slug, 1)
            polls = len(inst.requests)
            inst.post("<p>en direct 1</p>", ["Clameur"])
            inst.post("<p>en direct 2</p>", ["clameur"])
            await count_at_least(redis, event.slug, 3)
            assert len(inst.requests) == polls  # nothing polled: it came by the stream
            inst.end_streams()
            inst.post("<p>pendant la coupure</p>", ["clameur"])
            await inst.wait_streams(2)
            inst.post("<p>après</p>", ["clameur"])
            items = await count_at_least(redis, event.slug, 5)
            cursor = keys.source_cursor(event.slug, "mastodon:127.0.0.1:clameur")

            async def saved() -> bool:  # just after the status is stored: its id
                return await redis.get(cursor) == inst.statuses[-1]["id"]

            await eventually(saved)
        finally:
            await cancel_and_wait(task)
    assert [i.text for i in items] == ["avant", "en direct 1", "en direct 2",
                                       "pendant la coupure", "après"]


async def test_an_instance_refusing_streams_is_polled_instead(http: httpx.AsyncClient,
                                                              redis: Redis) -> None:
    """Streaming answered 404: the connector keeps polling and statuses still arrive."""
    settings = SourceSettings(mastodon_poll_seconds="0.01", mastodon_tokens="127.0.0.1=user")
    async with FakeMastodon(token="user") as inst:
        inst.streaming_enabled = False
        event = await event_for(redis, inst)
        task = asyncio.create_task(MastodonConnector(redis, event, inst.url, http,
                                                     settings).run())
        try:
            await inst.wait_requests(3)
            inst.post("<p>par sondage</p>", ["clameur"])
            (item,) = await count_at_least(redis, event.slug, 1)
            assert item.text == "par sondage" and not task.done()
        finally:
            await cancel_and_wait(task)
    assert any(r.path == "/api/v1/streaming/hashtag" and r.status == 404 for r in inst.requests)


class LoopbackNames(httpx.AsyncBaseTransport):
    """Name resolution for the fakes: these host names reach one loopback port; the request
    is otherwise untouched (its Host header keeps the name, as after real DNS)."""

    def __init__(self, port: int, *names: str) -> None:
        self.names, self.port = set(names), port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.names:
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


STREAMING = SourceSettings(mastodon_poll_seconds="0.01", mastodon_tokens="social.example=user")
NAMES = ("social.example", "streaming.social.example", "elsewhere.example")


def stream_hosts(inst: FakeMastodon) -> list[str]:
    """The Host of every streaming request the fake answered (a stream is recorded when it
    ends: read this once the fake has stopped)."""
    return [r.headers.get("Host", "") for r in inst.requests
            if r.path == "/api/v1/streaming/hashtag"]


async def streamed(redis: Redis, inst: FakeMastodon, text: str) -> None:
    """Run a connector on `http://social.example` until a status posted once its stream is
    open arrives."""
    event = await get_event(redis, (await make_event(
        redis, hashtags=["clameur"], mastodon_instances=["http://social.example"])).slug)
    assert event is not None
    async with httpx.AsyncClient(transport=LoopbackNames(inst.port, *NAMES),
                                 timeout=5) as http:
        connector = MastodonConnector(redis, event, "http://social.example", http, STREAMING)
        task = asyncio.create_task(connector.run())
        try:
            await inst.wait_streams(1)
            inst.post(f"<p>{text}</p>", ["clameur"])
            await count_at_least(redis, event.slug, 1)
        finally:
            await cancel_and_wait(task)


async def test_a_streaming_redirect_to_the_streaming_host_is_followed(redis: Redis) -> None:
    """Like mastodon.social: the instance names no streaming URL and its streaming path
    answers 301 to `streaming.` + its domain; the stream is opened there, with the token."""
    async with FakeMastodon(domain="social.example", token="user") as inst:
        inst.streaming_host = "streaming.social.example"
        await streamed(redis, inst, "par la redirection")
    assert stream_hosts(inst)[:2] == ["social.example", "streaming.social.example"]
    redirected, opened = [r for r in inst.requests if r.path == "/api/v1/streaming/hashtag"][:2]
    assert redirected.status == 301 and opened.status == 200
    assert opened.headers["Authorization"] == "Bearer user"


async def test_the_streaming_url_named_by_the_instance_is_used_directly(redis: Redis) -> None:
    """`/api/v2/instance` names `ws://streaming.social.example`: the stream goes straight
    there (no request to the instance's own streaming path, no redirect)."""
    async with FakeMastodon(domain="social.example", token="user") as inst:
        inst.streaming_host = "streaming.social.example"
        inst.named_streaming = "ws://streaming.social.example"
        await streamed(redis, inst, "en direct")
    hosts = stream_hosts(inst)
    assert hosts and set(hosts) == {"streaming.social.example"}
    assert any(r.path == "/api/v2/instance" for r in inst.requests)


async def test_a_redirect_to_a_foreign_host_never_gets_the_token(redis: Redis) -> None:
    """A redirect to a host the instance did not name (and not its subdomain) is followed
    without the user token: refused there, the connector polls instead and loses nothing."""
    async with FakeMastodon(domain="social.example", token="user") as inst:
        inst.streaming_host = "elsewhere.example"
        event = await get_event(redis, (await make_event(
            redis, hashtags=["clameur"], mastodon_instances=["http://social.example"])).slug)
        assert event is not None
        async with httpx.AsyncClient(transport=LoopbackNames(inst.port, *NAMES),
                                     timeout=5) as http:
            task = asyncio.create_task(MastodonConnector(
                redis, event, "http://social.example", http, STREAMING).run())
            try:
                await eventually(lambda: asyncio.sleep(0, any(
                    r.headers.get("Host") == "elsewhere.example" for r in inst.requests)))
                inst.post("<p>par sondage</p>", ["clameur"])
                (item,) = await count_at_least(redis, event.slug, 1)
            finally:
                await cancel_and_wait(task)
    foreign = [r for r in inst.requests if r.headers.get("Host") == "elsewhere.example"]
    assert foreign and all("Authorization" not in r.headers for r in foreign)
    assert foreign[0].status == 401 and item.text == "par sondage"
