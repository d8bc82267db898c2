"""Sensitive media: images flagged at the source stay hidden on the wall and the phone page
(a placeholder in their place, no URL sent) until a moderator reveals them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.fakes.mastodon import FakeMastodon, account
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.clients import FeedClient, approved, decide
from tests.support.desk import running_desk, settle, until
from tests.support.servers import ServerProcess
from tests.support.sources import inbox_items
from wall.models import Event, Item, new_item_id, utc_now_iso
from wall.sources.bluesky import post_item
from wall.sources.mastodon import MastodonConnector
from wall.sources.settings import SourceSettings
from wall.store import keys
from wall.store.events import get_event
from wall.store.inbox import insert_item

IMAGE = "https://media.example/photos/scene.png"


@pytest.fixture
async def instance() -> AsyncIterator[FakeMastodon]:
    async with FakeMastodon() as fake:
        yield fake


async def _ingest(redis: Redis, instance: FakeMastodon) -> tuple[Event, str]:
    """An event following #clameur on the fake instance, polled once by the real connector;
    the event and a moderator token (alice)."""
    ev = await make_event(redis, hashtags=["clameur"], mastodon_instances=[instance.url])
    event = await get_event(redis, ev.slug)
    assert event is not None
    async with httpx.AsyncClient(timeout=5) as http:
        await MastodonConnector(redis, event, instance.url, http,
                                SourceSettings(mastodon_poll_seconds="0.01")).poll()
    return event, ev.token


def _sensitive_photo(instance: FakeMastodon, spoiler: str = "", url: str = IMAGE) -> None:
    instance.post("<p>La scène ce soir</p>", ["clameur"],
                  who=account("dom", "Dominique", "piaille.fr"), sensitive=True,
                  spoiler_text=spoiler,
                  media_attachments=[{"id": "1", "type": "image", "url": url,
                                      "preview_url": url, "description": "la scène"}])


async def test_a_flagged_image_is_sent_without_its_url_until_a_moderator_reveals_it(
        instance: FakeMastodon, server: ServerProcess, http: httpx.AsyncClient,
        redis: Redis) -> None:
    """Frames of a flagged item carry no media URL (a count instead); `reveal` is audited,
    sends a `reveal` frame with the image, and a second reveal is a 409 naming who did it."""
    _sensitive_photo(instance)
    event, token = await _ingest(redis, instance)
    (item,) = await inbox_items(redis, event.slug)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    assert (await decide(http, event.slug, item.id, "approve", token)).status_code == 200
    shown = await wall.next("item")
    assert shown["item"]["media"] == [] and shown["item"]["media_hidden"] == 1
    assert shown["item"]["sensitive"] is True and shown["item"]["revealed"] is False
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}")
    snap = await fresh.next("snapshot")
    assert "media.example" not in json.dumps([shown, snap])

    res = await decide(http, event.slug, item.id, "reveal", token)
    assert res.status_code == 200 and res.json()["state"] == "approved"
    revealed = await wall.next("reveal")
    assert revealed["item"]["media"] == [{"url": IMAGE, "alt": "la scène"}]
    assert (await fresh.next("reveal"))["item"]["revealed"] is True
    audit = [f for _, f in await redis.xrange(keys.audit(event.slug))]
    assert [(a["action"], a["by"]) for a in audit][-1] == ("reveal", "alice")
    again = await decide(http, event.slug, item.id, "reveal", token)
    assert again.status_code == 409 and again.json()["decided_by"] == "alice"
    replay = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}?after=0-0")
    assert (await replay.next("item"))["item"]["media"][0]["url"] == IMAGE
    for client in (wall, fresh, replay):
        await client.close()


async def test_reveal_applies_only_to_hidden_media_of_a_pending_or_approved_item(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture,
        redis: Redis) -> None:
    """An item without flagged media: reveal is a 409. A pending flagged item revealed:
    no feed entry; once approved, walls get it with its image at once."""
    plain = await approved(http, event.slug, "sans image", event.token)
    assert (await decide(http, event.slug, plain, "reveal", event.token)).status_code == 409
    item = Item(id=new_item_id(), event=event.slug, source="x", source_id="t-1",
                author="Zoé", text="photo", received_at=utc_now_iso(), sensitive=True,
                media=[{"url": IMAGE, "alt": ""}])
    await insert_item(redis, item)
    before = await redis.xlen(keys.feed(event.slug))
    res = await decide(http, event.slug, item.id, "reveal", event.token)
    assert res.status_code == 200 and res.json()["state"] == "pending"
    assert await redis.xlen(keys.feed(event.slug)) == before
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    assert (await decide(http, event.slug, item.id, "approve", event.token)).status_code == 200
    assert (await wall.next("item"))["item"]["media"] == [{"url": IMAGE, "alt": ""}]
    await wall.close()


@pytest.mark.parametrize(("labels", "sensitive"), [
    (["porn"], True), (["sexual"], True), (["nudity"], True), (["graphic-media"], True),
    (["!no-unauthenticated"], False), ([], False)])
def test_bluesky_adult_self_labels_flag_the_media(labels: list[str], sensitive: bool) -> None:
    """Self-labels porn, sexual, nudity, graphic-media in `record.labels` flag the item."""
    record = {"text": "#clameur", "labels": {"$type": "com.atproto.label.defs#selfLabels",
                                             "values": [{"val": v} for v in labels]}}
    item = post_item(Event(slug="s", title="t"), "did:plc:x", "3k", record,
                     {"handle": "a.bsky.social", "name": "A", "avatar": ""})
    assert item.sensitive is sensitive


@pytest.fixture(scope="module")
def media_server(redis_url: str) -> Iterator[ServerProcess]:
    """A `clameur serve` allowed to fetch images from loopback (the fake instance)."""
    proc = ServerProcess(redis_url=redis_url,
                         env={"CLAMEUR_MEDIA_PRIVATE_HOSTS": "127.0.0.1"}).start()
    yield proc
    proc.stop()


def _media_asked(instance: FakeMastodon) -> list[str]:
    return [r.path for r in instance.requests if r.path.startswith("/system/")]


@pytest.mark.browser
async def test_a_flagged_mastodon_image_stays_hidden_on_wall_and_phone_until_revealed(
        browser: Browser, instance: FakeMastodon, media_server: ServerProcess,
        redis: Redis) -> None:
    """In Chromium: a Mastodon status marked sensitive with a content warning, approved: the
    wall (French) and the phone page (English) show the warning, then the text, and a
    placeholder instead of the image, with no <img> of it (nobody fetches it); after
    `reveal` both show the image, from the server's copy."""
    image = instance.media_url("scene.png")
    _sensitive_photo(instance, spoiler="Lumières stroboscopiques", url=image)
    event, token = await _ingest(redis, instance)
    (item,) = await inbox_items(redis, event.slug)
    async with httpx.AsyncClient(base_url=media_server.url, timeout=10) as http:
        assert (await decide(http, event.slug, item.id, "approve", token)).status_code == 200
        wall, wall_log = await open_page(browser, f"{media_server.url}/wall/{event.slug}?lang=fr",
                                         csp=False)
        phone, phone_log = await open_page(browser, f"{media_server.url}/e/{event.slug}?lang=en",
                                           width=390, height=844, locale="en-GB", csp=False)
        card = wall.locator(f'#items > .card[data-id="{item.id}"]')
        entry = phone.locator(f'#feed li[data-id="{item.id}"]')
        await expect(card.locator(".media-hidden")).to_have_text("Image sensible masquée")
        await expect(entry.locator(".media-hidden")).to_have_text("Sensitive image hidden")
        await expect(card.locator(".text")).to_have_text(
            "⚠ Lumières stroboscopiques\n\nLa scène ce soir")
        await expect(entry.locator("p").first).to_have_text(
            "⚠ Lumières stroboscopiques\n\nLa scène ce soir")
        for page, shown in ((wall, card), (phone, entry)):
            await expect(shown.locator("img")).to_have_count(0)
            assert instance.url not in await page.content()
        hidden = await http.get(f"/media/{event.slug}/{item.id}/0")
        assert hidden.status_code == 404 and _media_asked(instance) == []
        await screenshot(wall, "sensitive-wall-hidden", settle=True)
        await entry.scroll_into_view_if_needed()
        await screenshot(phone, "sensitive-phone-hidden")

        assert (await decide(http, event.slug, item.id, "reveal", token)).status_code == 200
    shown_wall = card.locator("img.media")
    shown_phone = entry.locator("img.feed-media")
    for img in (shown_wall, shown_phone):
        await expect(img).to_have_attribute("alt", "la scène")
        await expect(img).to_have_attribute("src", f"/media/{event.slug}/{item.id}/0")
        await img.evaluate("i => i.decode()")  # loaded and decoded: the server's copy
    await expect(card.locator(".media-hidden")).to_have_count(0)
    await expect(entry.locator(".media-hidden")).to_have_count(0)
    assert _media_asked(instance) == ["/system/media_attachments/scene.png"]  # fetched once
    assert wall_log.problems() == [] and phone_log.problems() == []
    await screenshot(wall, "sensitive-wall-revealed", settle=True)
    await shown_phone.scroll_into_view_if_needed()
    await screenshot(phone, "sensitive-phone-revealed")


async def test_the_desk_shows_the_flags_and_v_reveals_the_image(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """The detail pane names the content warning and the hidden image (with its alt text);
    `v` reveals it, and the approved item reaches the wall with its image."""
    item = Item(id=new_item_id(), event=event.slug, source="mastodon", source_id="s-9",
                author="Dom", text="⚠ Spoilers\n\nLa fin du film", received_at=utc_now_iso(),
                sensitive=True, content_warning="Spoilers", author_key="mastodon:dom@x",
                media=[{"url": IMAGE, "alt": "la scène"}])
    await insert_item(redis, item)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        detail = str(app.query_one("#detail").render())
        assert "⚠ Content warning: Spoilers" in detail
        assert "Sensitive media (hidden on the wall: v reveals it)" in detail
        assert f"{IMAGE} — la scène" in detail
        await pilot.press("v")
        await settle(app, pilot)
        model = app.session.model
        await until(app, pilot, lambda: bool((model.queue.get(item.id) or {}).get("revealed")))
        assert "(shown on the wall)" in str(app.query_one("#detail").render())
        await pilot.press("a")
        await settle(app, pilot)
        shown = await wall.next("item")
        assert shown["item"]["media"] == item.media
    await wall.close()
