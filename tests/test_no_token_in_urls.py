"""No token in a URL, a page or a log line: HTTP routes read the `Authorization` header only,
browsers get the report through a one-time link and a session cookie, and the server's log
is redacted (uvicorn logs WebSocket queries, and with the access log on, every URL)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

import httpx
import pytest
import websockets
from playwright.async_api import Browser
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.clients import FeedClient
from tests.support.inprocess import InProcessApp
from tests.support.servers import ServerProcess
from tests.test_export import run_cli
from wall.logs import redact
from wall.store.tokens import list_tokens, revoke_token


@pytest.fixture(scope="module")
def logged_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real server with uvicorn's access log on: every request line is logged."""
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_ACCESS_LOG": "1"}).start()
    yield proc
    proc.stop()


async def test_http_routes_ignore_a_token_in_the_query(app_client: httpx.AsyncClient,
                                                       event: EventFixture) -> None:
    """`?token=` opens nothing over HTTP: the queue, exports and report answer 401."""
    for path, token in ((f"/api/events/{event.slug}/queue", event.token),
                        (f"/api/events/{event.slug}/export.json", event.admin_token),
                        (f"/e/{event.slug}/report", event.admin_token)):
        res = await app_client.get(path, params={"token": token})
        assert res.status_code == 401, (path, res.status_code)
        assert (await app_client.get(path, headers={"Authorization": f"Bearer {token}"})
                ).status_code == 200


async def test_a_report_link_opens_once_and_its_session_ends_with_the_token(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """An admin asks for a link (a moderator cannot); opening it sets an HttpOnly session
    cookie and redirects to the report; the session opens the report and the exports of
    this event only; the link works once; revoking the admin token ends the session."""
    create = f"/api/events/{event.slug}/report-links"
    assert (await app_client.post(create, headers=event.auth)).status_code == 403
    res = await app_client.post(create, headers=event.admin_auth)
    assert res.status_code == 201 and res.json()["expires_in"] == 300
    path = res.json()["path"]
    assert path.startswith(f"/e/{event.slug}/report/open/")
    assert event.admin_token not in path and event.admin_token.split(".")[1] not in path

    opened = await app_client.get(path + "?lang=en")
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/e/{event.slug}/report?lang=en"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and event.admin_token not in cookie
    report = await app_client.get(opened.headers["location"])
    assert report.status_code == 200 and "Posts per source" in report.text
    assert (await app_client.get(f"/api/events/{event.slug}/export.csv")).status_code == 200
    other = await make_event(redis)
    assert (await app_client.get(f"/e/{other.slug}/report")).status_code == 401

    again = await app_client.get(path)
    assert again.status_code == 404 and again.json()["error"] == "link_expired"

    (admin,) = [t for t in await list_tokens(redis, event.slug) if t.role == "admin"]
    await revoke_token(redis, event.slug, admin.id)
    assert (await app_client.get(f"/e/{event.slug}/report")).status_code == 401


async def test_cli_report_link_opens_the_report(redis_url: str, event: EventFixture) -> None:
    """`clameur report SLUG --link` prints a one-time link that opens the served report."""
    printed = run_cli(redis_url, "report", event.slug, "--link").strip()
    path = re.sub(r"^https?://[^/]+", "", printed)
    assert path.startswith(f"/e/{event.slug}/report/open/"), printed
    async with InProcessApp(redis_url) as app, app.client() as client:
        opened = await client.get(path, follow_redirects=True)
    assert opened.status_code == 200 and f"/e/{event.slug}/report" == opened.url.path


def test_redaction_covers_every_shape_a_token_is_written_in() -> None:
    """Query parameter, bearer header, bare token and one-time code are all redacted."""
    token = "ev-1.abcdefghijklmnopqrstuvwxyz012345"
    for line in (f'"GET /ws/moderate/ev-1?token={token}&after=0 HTTP/1.1"',
                 f"Authorization: Bearer {token}", f"token {token} rejected",
                 "GET /e/ev-1/report/open/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA HTTP/1.1"):
        cleaned = redact(line)
        assert token not in cleaned and "Zm9vYmFy" not in cleaned and "[redacted]" in cleaned


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (URIs and text live in them)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        end = pdf.find(b"endstream", start)
        try:
            out.append(zlib.decompressobj().decompress(pdf[start:end]))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.mark.browser
async def test_a_full_run_shows_no_token_in_any_page_link_or_log_line(
        browser: Browser, logged_server: ServerProcess, redis: Redis) -> None:
    """Moderation over HTTP and WebSocket, refused `?token=` attempts, the report opened in
    Chromium by a one-time link and printed to PDF with its header: neither token appears
    in the server's log, a page, a link, a redirect or the PDF."""
    ev = await make_event(redis)
    server = logged_server
    seen: list[str] = []
    auth, admin = ev.auth, ev.admin_auth
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        posted = await http.post(f"/api/events/{ev.slug}/posts", json={"text": "Bonjour"})
        item_id = posted.json()["id"]
        moderator = await FeedClient.connect(
            f"{server.ws_url}/ws/moderate/{ev.slug}?token={ev.token}")
        await moderator.next("queue")
        res = await http.post(f"/api/events/{ev.slug}/items/{item_id}/decisions",
                              json={"action": "approve"}, headers=auth)
        assert res.status_code == 200
        await moderator.close()
        with pytest.raises(websockets.ConnectionClosed):
            refused = await websockets.connect(
                f"{server.ws_url}/ws/moderate/{ev.slug}?token={ev.admin_token}x")
            await refused.recv()
        for path in (f"/e/{ev.slug}/report?token={ev.admin_token}",
                     f"/api/events/{ev.slug}/queue?token={ev.token}"):
            assert (await http.get(path)).status_code == 401
        seen.append((await http.get(f"/api/events/{ev.slug}/export.json",
                                    headers=admin)).text)
        for page in (f"/e/{ev.slug}", f"/wall/{ev.slug}", f"/e/{ev.slug}/qr.svg"):
            seen.append((await http.get(page)).text)
        link = await http.post(f"/api/events/{ev.slug}/report-links", headers=admin)
        seen.append(link.text)
        opened = await http.get(link.json()["path"])
        seen.append(str(opened.headers))

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        second = await http.post(f"/api/events/{ev.slug}/report-links", headers=admin)
    page, log = await open_page(browser, f"{server.url}{second.json()['path']}?lang=en",
                                csp=False)
    seen += [page.url, await page.title(), await page.content()]
    seen += await page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    pdf = await page.pdf(format="A4", display_header_footer=True,
                         header_template='<span class="url"></span><span class="title"></span>')
    assert log.problems() == []

    logged = server.log_path.read_text(errors="replace")
    assert "token=[redacted]" in logged  # the refused attempts were logged, redacted
    assert "/report/open/[redacted]" in logged
    for token in (ev.token, ev.admin_token):
        secret = token.split(".", 1)[1]
        for text in (*seen, logged):
            assert secret not in text, text[:300]
        assert secret.encode() not in pdf_text(pdf)
