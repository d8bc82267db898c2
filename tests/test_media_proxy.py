"""Source images are fetched by the server, re-encoded without metadata, kept per event and
served from the wall's own origin; the wall's CSP allows images from itself only.

A local image server (aiohttp on loopback) stands for the sources' CDNs; the app runs
in-process for the rules and as a real `clameur serve` for Chromium."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiohttp import web
from PIL import Image
from playwright.async_api import Browser
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.fakes.base import FakeService
from tests.support.browser import ARTIFACTS, browser_fixture, open_page  # noqa: F401
from tests.support.inprocess import InProcessApp
from tests.support.servers import ServerProcess
from wall.models import Item, new_item_id, utc_now_iso
from wall.moderation.intake import accept
from wall.store.decisions import decide
from wall.store.events import get_event

PRIVATE = {"CLAMEUR_MEDIA_PRIVATE_HOSTS": "127.0.0.1"}


def photo_with_gps() -> bytes:
    """A 3000x2000 JPEG whose EXIF says where it was taken and that it is rotated."""
    image = Image.new("RGB", (3000, 2000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "SecretCam"  # make
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def transparent_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 0, 255, 0)).save(out, "PNG")
    return out.getvalue()


class ImageServer(FakeService):
    """A CDN: a photo with GPS data, a PNG, a redirect, an HTML page, a huge download."""

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/photo.jpg", self.photo), web.get("/clear.png", self.png),
                web.get("/moved", self.moved), web.get("/page.jpg", self.page),
                web.get("/huge.jpg", self.huge)]

    async def photo(self, request: web.Request) -> web.Response:
        return web.Response(body=photo_with_gps(), content_type="image/jpeg")

    async def png(self, request: web.Request) -> web.Response:
        return web.Response(body=transparent_png(), content_type="image/png")

    async def moved(self, request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/photo.jpg"})

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>not an image</html>", content_type="text/html")

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        await response.prepare(request)
        for _ in range(9 * 16):  # 9 MB, no Content-Length
            await response.write(b"\xff" * 65536)
        return response

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)


@pytest.fixture
async def cdn() -> AsyncIterator[ImageServer]:
    async with ImageServer() as server:
        yield server


async def shown_item(redis: Redis, slug: str, urls: list[str], approve: bool = True) -> str:
    """An item with these image URLs, approved by a moderator unless told otherwise."""
    event = await get_event(redis, slug)
    assert event is not None
    item = Item(id=new_item_id(), event=slug, source="mastodon", source_id=new_item_id(),
                author="Dom", text="regardez", received_at=utc_now_iso(),
                author_key="mastodon:dom@x", media=[{"url": u, "alt": "la scène"} for u in urls])
    accepted = await accept(redis, event, item)
    if approve:
        await decide(redis, slug, accepted.id, "approve", by="alice")
    return accepted.id


@pytest.fixture
async def app(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with InProcessApp(redis_url, env=PRIVATE) as running, running.client() as client:
        yield client


async def test_an_approved_image_is_served_re_encoded_without_metadata(
        app: httpx.AsyncClient, cdn: ImageServer, event: EventFixture, redis: Redis) -> None:
    """The server fetches the photo once, turns it upright, scales it to 1600 px and serves a
    JPEG without EXIF or GPS from /media/...; a second view costs the source nothing."""
    item_id = await shown_item(redis, event.slug, [f"{cdn.url}/photo.jpg", f"{cdn.url}/clear.png"])
    res = await app.get(f"/media/{event.slug}/{item_id}/0")
    assert res.status_code == 200 and res.headers["content-type"] == "image/jpeg"
    assert "public" not in res.headers["cache-control"]
    image = Image.open(io.BytesIO(res.content))
    assert image.size == (1067, 1600)  # 3000x2000 rotated upright, then scaled
    assert not image.getexif() and b"SecretCam" not in res.content and b"Exif" not in res.content
    assert (await app.get(f"/media/{event.slug}/{item_id}/0")).status_code == 200
    assert cdn.hits("/photo.jpg") == 1
    png = await app.get(f"/media/{event.slug}/{item_id}/1")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).format == "JPEG"


async def test_images_of_items_not_shown_are_never_fetched(
        app: httpx.AsyncClient, cdn: ImageServer, event: EventFixture, redis: Redis) -> None:
    """Pending or taken down: 404, and the source is not asked."""
    pending = await shown_item(redis, event.slug, [f"{cdn.url}/photo.jpg"], approve=False)
    assert (await app.get(f"/media/{event.slug}/{pending}/0")).status_code == 404
    retracted = await shown_item(redis, event.slug, [f"{cdn.url}/photo.jpg"])
    await decide(redis, event.slug, retracted, "retract", by="alice")
    assert (await app.get(f"/media/{event.slug}/{retracted}/0")).status_code == 404
    for path in (f"/media/{event.slug}/{retracted}/5", f"/media/{event.slug}/nope/0",
                 f"/media/{event.slug}/{retracted}/99", "/media/NOPE/x/0"):
        assert (await app.get(path)).status_code == 404
    assert cdn.hits("/photo.jpg") == 0


async def test_what_is_not_a_small_image_is_refused(
        app: httpx.AsyncClient, cdn: ImageServer, event: EventFixture, redis: Redis) -> None:
    """An HTML page, a 9 MB download: 404, the failure kept (asked once); a redirect to a
    photo is followed."""
    item_id = await shown_item(redis, event.slug, [f"{cdn.url}/page.jpg", f"{cdn.url}/huge.jpg",
                                                   f"{cdn.url}/moved"])
    for index in (0, 1):
        for _ in range(2):
            assert (await app.get(f"/media/{event.slug}/{item_id}/{index}")).status_code == 404
    assert cdn.hits("/page.jpg") == 1 and cdn.hits("/huge.jpg") == 1
    moved = await app.get(f"/media/{event.slug}/{item_id}/2")
    assert moved.status_code == 200 and cdn.hits("/photo.jpg") == 1


async def test_private_addresses_are_not_fetched_unless_allowed(
        redis_url: str, cdn: ImageServer, event: EventFixture, redis: Redis) -> None:
    """Without CLAMEUR_MEDIA_PRIVATE_HOSTS, a loopback image URL is refused unasked: a
    source cannot make the server call its own network."""
    item_id = await shown_item(redis, event.slug, [f"{cdn.url}/photo.jpg"])
    async with InProcessApp(redis_url) as running, running.client() as client:
        assert (await client.get(f"/media/{event.slug}/{item_id}/0")).status_code == 404
    assert cdn.hits("/photo.jpg") == 0


@pytest.fixture(scope="module")
def media_server(redis_url: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(redis_url=redis_url, env=PRIVATE)
    yield proc.start()
    proc.stop()


@pytest.mark.browser
async def test_the_wall_shows_a_source_image_through_its_own_origin(
        browser: Browser, media_server: ServerProcess, cdn: ImageServer, event: EventFixture,
        redis: Redis) -> None:
    """The wall's CSP is `img-src 'self' data:`; an approved item's photo shows, loaded from
    /media/... on the wall's origin; Chromium makes no request to the image's site."""
    await shown_item(redis, event.slug, [f"{cdn.url}/photo.jpg"])
    page, log = await open_page(browser, f"{media_server.url}/wall/{event.slug}", csp=False,
                                wait=False)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = await page.goto(f"{media_server.url}/wall/{event.slug}")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "img-src 'self' data:;" in csp and "https:" not in csp
    image = page.locator(".card img.media")
    await image.wait_for()
    await page.wait_for_function(
        "() => { const i = document.querySelector('.card img.media');"
        " return i && i.complete && i.naturalWidth > 0; }")
    src = await image.get_attribute("src")
    assert src is not None and src.startswith(f"/media/{event.slug}/")
    assert log.problems() == []
    assert requested and all(url.startswith(media_server.url) for url in requested), requested
    assert cdn.hits("/photo.jpg") == 1  # fetched by the server, once
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "wall-source-image.png"))
