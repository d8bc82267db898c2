"""The event's logo file over HTTP: an admin sends PNG, JPEG or WebP (read from its bytes,
at most 512 KB), the theme points at `/e/{slug}/logo?v=<hash>`, anyone gets the same bytes
back with caching headers; SVG, text, oversize and fake images are refused in French and
English with nothing stored; moderators cannot; DELETE takes it away."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from redis.asyncio import Redis

from moderator_tui import i18n as desk_i18n
from moderator_tui import logofile
from tests.conftest import EventFixture
from tests.support.cli import clameur
from wall import logo as logo_rules
from wall.i18n import gettext
from wall.store import keys
from wall.store.events import delete_event, get_event, update_event
from wall.theme import clean_theme


def image(fmt: str, size: tuple[int, int] = (120, 48), colour: str = "#c8361a") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def admin(event: EventFixture, lang: str = "en") -> dict[str, str]:
    return {**event.admin_auth, "Accept-Language": lang,
            "Content-Type": "application/octet-stream"}


async def upload(client: httpx.AsyncClient, event: EventFixture, body: bytes,
                 lang: str = "en") -> httpx.Response:
    return await client.put(f"/api/events/{event.slug}/logo", content=body,
                            headers=admin(event, lang))


async def test_a_png_becomes_the_theme_logo_and_is_served_as_sent(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """PUT a PNG → the theme's logo is its versioned URL; GET gives the same bytes, its
    type, an ETag, a 5-minute public cache and nosniff; a matching If-None-Match → 304."""
    png = image("PNG")
    res = await upload(app_client, event, png)
    assert res.status_code == 200, res.text
    digest = hashlib.sha256(png).hexdigest()
    url = f"/e/{event.slug}/logo?v={digest[:8]}"
    assert res.json() == {"logo": url, "type": "image/png", "size": len(png),
                          "hash": digest[:16]}
    saved = await get_event(redis, event.slug)
    assert saved is not None and saved.theme["logo"] == url
    assert clean_theme(saved.theme)["logo"] == url  # the wall shows it
    got = await app_client.get(url)
    assert got.status_code == 200
    assert got.content == png
    assert got.headers["content-type"] == "image/png"
    assert got.headers["etag"] == f'"{digest[:16]}"'
    assert got.headers["cache-control"] == "public, max-age=300"
    assert got.headers["x-content-type-options"] == "nosniff"
    again = await app_client.get(url, headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_a_second_file_replaces_the_first_with_a_new_version(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """JPEG then WebP: each replaces the last, under a new `?v=`, and keeps the theme's
    colours."""
    await update_event(redis, event.slug, {"theme": {"accent": "#1d4ed8", "dark": "0"}})
    seen: set[str] = set()
    for fmt, media_type in (("PNG", "image/png"), ("JPEG", "image/jpeg"),
                            ("WEBP", "image/webp")):
        body = image(fmt, colour="#1d4ed8" if fmt == "WEBP" else "#222222")
        res = await upload(app_client, event, body)
        assert res.status_code == 200, res.text
        url = res.json()["logo"]
        assert url not in seen
        seen.add(url)
        got = await app_client.get(f"/e/{event.slug}/logo")
        assert (got.content, got.headers["content-type"]) == (body, media_type)
    saved = await get_event(redis, event.slug)
    assert saved is not None
    assert saved.theme == {"accent": "#1d4ed8", "dark": "0", "logo": url}


def _oversize() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(logo_rules.MAX_BYTES)


async def _streamed(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


REFUSED = [
    ("svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>'
            b"alert(1)</script></svg>", 415, "svg_refused", "SVG is refused",
     "Le SVG est refusé"),
    ("text", b"Bonjour la salle\n", 415, "not_an_image",
     "not a PNG, JPEG or WebP image", "n'est pas une image PNG, JPEG ou WebP"),
    ("gif", image("GIF"), 415, "not_an_image", "not a PNG, JPEG or WebP image",
     "n'est pas une image PNG, JPEG ou WebP"),
    ("empty", b"", 415, "not_an_image", "not a PNG, JPEG or WebP image",
     "n'est pas une image PNG, JPEG ou WebP"),
    ("png-magic-then-junk", b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 20, 422,
     "unreadable_image", "cannot be read", "illisible"),
    ("too-many-pixels", image("PNG", size=(5000, 10)), 422, "too_many_pixels",
     "at most 4096 pixels a side", "4096 pixels de côté au plus"),
    ("oversize", _oversize(), 413, "too_large", "larger than 512 KB", "dépasse 512 Ko"),
]


@pytest.mark.parametrize(("body", "status", "code", "english", "french"),
                         [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_what_is_not_a_logo_is_refused_in_both_languages_and_nothing_is_stored(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis, body: bytes,
        status: int, code: str, english: str, french: str) -> None:
    """Each refusal names the reason in the caller's language; the logo sent before and
    the theme stay as they were."""
    first = image("PNG")
    assert (await upload(app_client, event, first)).status_code == 200
    before = await get_event(redis, event.slug)
    for lang, expected in (("en", english), ("fr", french)):
        res = await upload(app_client, event, body, lang)
        assert res.status_code == status, res.text
        assert res.json()["error"] == code
        assert expected in res.json()["message"], res.json()
        assert res.json()["detail"][0]["field"] == "logo"
    assert await get_event(redis, event.slug) == before
    assert (await app_client.get(f"/e/{event.slug}/logo")).content == first


async def test_oversize_is_counted_as_it_arrives_without_a_length(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """A body sent in chunks with no Content-Length is cut off at 512 KB: 413, nothing
    kept."""
    res = await app_client.put(f"/api/events/{event.slug}/logo", content=_streamed(
        _oversize()), headers=admin(event, "fr"))
    assert res.status_code == 413
    assert "dépasse 512 Ko" in res.json()["message"]
    assert not await redis.exists(keys.logo(event.slug))


async def test_only_an_admin_token_of_the_event_may_send_or_remove_it(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Moderator → 403, no token → 401, for PUT and DELETE; nothing stored."""
    url = f"/api/events/{event.slug}/logo"
    for method in ("PUT", "DELETE"):
        res = await app_client.request(method, url, content=image("PNG"), headers=event.auth)
        assert res.status_code == 403, res.text
        res = await app_client.request(method, url, content=image("PNG"))
        assert res.status_code == 401, res.text
    assert not await redis.exists(keys.logo(event.slug))
    saved = await get_event(redis, event.slug)
    assert saved is not None and "logo" not in saved.theme


async def test_delete_removes_the_file_and_the_theme_logo(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """DELETE → the file is gone (404) and the theme has no logo; a second DELETE says
    there was nothing."""
    assert (await upload(app_client, event, image("PNG"))).status_code == 200
    url = f"/api/events/{event.slug}/logo"
    res = await app_client.delete(url, headers=event.admin_auth)
    assert res.status_code == 200 and res.json() == {"logo": None, "removed": True}
    assert (await app_client.get(f"/e/{event.slug}/logo")).status_code == 404
    saved = await get_event(redis, event.slug)
    assert saved is not None and "logo" not in saved.theme
    again = await app_client.delete(url, headers=event.admin_auth)
    assert again.json() == {"logo": None, "removed": False}


async def test_no_logo_for_an_unknown_event_a_draft_or_one_without(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """404 when none was sent, when the event is a draft (its pages show none of its
    settings), and for an event that does not exist."""
    assert (await app_client.get(f"/e/{event.slug}/logo")).status_code == 404
    assert (await upload(app_client, event, image("PNG"))).status_code == 200
    await update_event(redis, event.slug, {"status": "draft"})
    assert (await app_client.get(f"/e/{event.slug}/logo")).status_code == 404
    assert (await app_client.get("/e/no-such-event/logo")).status_code == 404
    res = await app_client.put("/api/events/no-such-event/logo", content=image("PNG"),
                               headers=admin(event))
    assert res.status_code in (401, 403, 404)


async def test_the_logo_goes_with_the_event(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Deleting the event deletes its logo file."""
    assert (await upload(app_client, event, image("PNG"))).status_code == 200
    assert await redis.exists(keys.logo(event.slug))
    await delete_event(redis, event.slug)
    assert not await redis.exists(keys.logo(event.slug))


async def test_the_html_poster_carries_the_logo_inline(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """The poster embeds the logo file as a data: URI (nothing to fetch when printing)."""
    res = await app_client.get(f"/api/events/{event.slug}/poster?format=html",
                               headers=event.auth)
    assert 'class="poster-logo"' not in res.text
    png = image("PNG")
    assert (await upload(app_client, event, png)).status_code == 200
    res = await app_client.get(f"/api/events/{event.slug}/poster?format=html",
                               headers=event.auth)
    assert res.status_code == 200
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in res.text


async def test_clameur_poster_prints_the_logo_file_and_not_another_path(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis, redis_url: str,
        tmp_path: Path) -> None:
    """`clameur poster` embeds the uploaded file; a theme logo that is a /static path is
    not printed."""
    png = image("PNG")
    assert (await upload(app_client, event, png)).status_code == 200
    env = {"REDIS_URL": redis_url}
    out = tmp_path / "poster.html"
    done = clameur("poster", event.slug, "--output", str(out), "--base",
                   "http://192.0.2.10:8000", env=env)
    assert done.returncode == 0, done.stderr
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in out.read_text()
    await update_event(redis, event.slug, {"theme": {"logo": "/static/favicon.svg"}})
    done = clameur("poster", event.slug, "--output", str(out), "--base",
                   "http://192.0.2.10:8000", env=env)
    assert done.returncode == 0, done.stderr
    assert 'class="poster-logo"' not in out.read_text()


@pytest.mark.parametrize("logo", ["/e/demo/logo?v=0123abcd", "/static/logo.png",
                                  "/static/a.png?x=1&y=2"])
def test_a_local_path_may_carry_a_plain_query(logo: str) -> None:
    assert clean_theme({"logo": logo})["logo"] == logo


@pytest.mark.parametrize("logo", ["/x\n", "/x?u=https://evil.example/", "/x?a\"b",
                                  "//evil.example/x?v=1", "/e/x/../y?v=1"])
def test_nothing_but_a_local_path_passes(logo: str) -> None:
    assert "logo" not in clean_theme({"logo": logo})


def test_every_logo_message_is_in_french_in_the_server_and_the_desk() -> None:
    """The refusals of wall/logo.py and the desk's own (moderator_tui/logofile.py) each
    have a French translation with the same placeholders."""
    messages = [v for mod in (logo_rules, logofile) for k, v in vars(mod).items()
                if k.isupper() and isinstance(v, str) and " " in v]
    assert len(messages) >= 10
    french = desk_i18n.catalog("fr")
    for message in messages:
        assert message in french, message
        assert gettext("fr", message) == french[message]
        assert all(f"{{{name}}}" in french[message] for name in ("path", "max", "reason")
                   if f"{{{name}}}" in message), message
