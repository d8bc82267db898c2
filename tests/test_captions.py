"""Live captions: a captioner token posts plain-text lines; walls and phones show them in
order (a late wall gets the last two), the band is never covered, and the lines are the
event's transcript in the exports and the report."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import (  # noqa: F401
    browser_fixture,
    contrast_problems,
    open_page,
    screenshot,
)
from tests.support.clients import FeedClient, approved
from tests.support.inprocess import InProcessApp
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.store.events import update_event
from wall.store.tokens import create_token

PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
MS = int(timeout(10) * 1000)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(page: Page, selector: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations inside `selector` (the parts this module adds)."""
    results = await Axe().run(page, context={"include": [[selector]]}, options={
        "runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


async def captioner(redis: Redis, slug: str) -> dict[str, str]:
    token, _ = await create_token(redis, slug, "captioner", label="CART")
    return {"Authorization": f"Bearer {token}", **PLAIN}


async def send(http: httpx.AsyncClient, slug: str, body: str | bytes,
               headers: dict[str, str]) -> httpx.Response:
    return await http.post(f"/api/events/{slug}/captions", content=body, headers=headers)


async def test_plain_text_lines_are_taken_one_caption_a_line(
        app_client: httpx.AsyncClient, redis: Redis, event: EventFixture) -> None:
    """text/plain: each non-empty line is a caption, normalised; JSON {"text"} too."""
    auth = await captioner(redis, event.slug)
    res = await send(app_client, event.slug,
                     "\ufeffBonsoir à toutes et à tous,\r\n\r\n  bienvenue\tau débat.\n",
                     auth)
    assert res.status_code == 202, res.text
    assert res.json()["accepted"] == 2 and len(res.json()["ids"]) == 2
    res = await app_client.post(f"/api/events/{event.slug}/captions",
                                json={"text": "Première question\nde la salle"},
                                headers={"Authorization": auth["Authorization"]})
    assert res.status_code == 202 and res.json()["accepted"] == 2
    lines = await redis.xrange(f"ev:{{{event.slug}}}:captions")
    assert [f["text"] for _, f in lines] == ["Bonsoir à toutes et à tous,",
                                             "bienvenue au débat.", "Première question",
                                             "de la salle"]


@pytest.mark.parametrize(("body", "headers", "status"), [
    ("bonjour", {"Content-Type": "text/html"}, 415),
    ("bonjour", {"Content-Type": "text/plain; charset=iso-8859-1"}, 415),
    (b"caf\xe9", PLAIN, 400),
    ("un\x07deux", PLAIN, 422),
    ("\x1b[31mrouge", PLAIN, 422),
    ("x" * 501, PLAIN, 422),
    ("\n \n\t\n", PLAIN, 422),
    ("\n".join(["ligne"] * 101), PLAIN, 422),
    ("x" * (17 * 1024), PLAIN, 413),
])
async def test_a_body_that_is_not_captions_is_refused_and_nothing_is_kept(
        app_client: httpx.AsyncClient, redis: Redis, event: EventFixture, body: str | bytes,
        headers: dict[str, str], status: int) -> None:
    """Other types or charsets, invalid UTF-8, control characters, a line over 500
    characters, no caption, too many lines, too big: refused, nothing stored."""
    auth = await captioner(redis, event.slug)
    res = await send(app_client, event.slug, body, {**auth, **headers})
    assert res.status_code == status, res.text
    assert await redis.xlen(f"ev:{{{event.slug}}}:captions") == 0


async def test_only_tokens_of_the_event_post_captions_and_a_captioner_does_nothing_else(
        app_client: httpx.AsyncClient, redis: Redis, event: EventFixture) -> None:
    """No token 401, another event's 403; a moderator may caption; a captioner token gets
    403 on the queue and on decisions (it may only post captions)."""
    other = await make_event(redis)
    auth = await captioner(redis, event.slug)
    assert (await send(app_client, event.slug, "a", PLAIN)).status_code == 401
    assert (await send(app_client, event.slug, "a", {**PLAIN, **other.auth})).status_code == 403
    assert (await send(app_client, event.slug, "a", {**PLAIN, **event.auth})).status_code == 202
    bearer = {"Authorization": auth["Authorization"]}
    assert (await app_client.get(f"/api/events/{event.slug}/queue", headers=bearer)
            ).status_code == 403
    assert (await app_client.post(f"/api/events/{event.slug}/items/x/decisions",
                                  json={"action": "approve"}, headers=bearer)).status_code == 403
    assert (await app_client.put(f"/api/events/{event.slug}/charter", headers=bearer,
                                 json={"lang": "fr", "text": "x"})).status_code == 403


async def test_a_closed_event_takes_no_caption_and_a_runaway_script_meets_a_limit(
        redis_url: str, redis: Redis) -> None:
    """Closed: 403. Past `caption_token` (lines per minute per token): 429 + Retry-After."""
    ev = await make_event(redis)
    async with InProcessApp(redis_url, {"CLAMEUR_RATE_LIMITS": "caption_token=5/60"}) as app, \
            app.client() as http:
        auth = await captioner(redis, ev.slug)
        assert (await send(http, ev.slug, "1\n2\n3", auth)).status_code == 202
        limited = await send(http, ev.slug, "4\n5\n6", auth)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        await update_event(redis, ev.slug, {"status": "closed"})
        closed = await send(http, ev.slug, "fin", auth)
        assert closed.status_code == 403 and closed.json()["error"] == "event_closed"


async def test_walls_and_phones_get_caption_frames_in_order_and_a_late_wall_the_last_two(
        server: ServerProcess, redis: Redis, event: EventFixture) -> None:
    """Lines posted while a wall and a phone listen arrive in order on both; a wall
    connecting afterwards gets the last two lines at once (and again when it resumes with
    `after=`)."""
    auth = await captioner(redis, event.slug)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    phone = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}")
    snapshot = await wall.next("snapshot")
    await phone.next("snapshot")
    lines = ["Bonsoir,", "merci d'être venus", "si nombreux.", "Commençons."]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for line in lines[:2]:
            assert (await send(http, event.slug, line, auth)).status_code == 202
        assert (await send(http, event.slug, "\n".join(lines[2:]), auth)).status_code == 202
    for client in (wall, phone):
        got = [await client.next("caption") for _ in lines]
        assert [f["text"] for f in got] == lines
        assert [f["id"] for f in got] == sorted(f["id"] for f in got)
    late = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await late.next("snapshot")
    assert [(await late.next("caption"))["text"] for _ in range(2)] == lines[2:]
    resumed = await FeedClient.connect(
        f"{server.ws_url}/ws/wall/{event.slug}?after={snapshot['position']}")
    assert [(await resumed.next("caption"))["text"] for _ in range(2)] == lines[2:]
    for client in (wall, phone, late, resumed):
        await client.close()


@pytest.fixture
async def captioned(server: ServerProcess, redis: Redis) -> AsyncIterator[EventFixture]:
    ev = await make_event(redis, hashtags=["débat"])
    yield ev


async def _band_is_on_top(page: Page) -> dict[str, object]:
    """Where the band is, and whether the point at the middle of its latest line belongs
    to the band (nothing drawn over it: bursts, the thank-you screen, a poll)."""
    result: dict[str, object] = await page.evaluate("""() => {
        const band = document.getElementById('captions');
        const line = band.querySelector('.caption-line:last-child');
        const b = band.getBoundingClientRect(), l = line.getBoundingClientRect();
        const x = l.left + Math.min(l.width, 200) / 2, y = l.bottom - 5;
        const hit = document.elementFromPoint(x, y);
        const visible = [...band.querySelectorAll('.caption-line')].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.bottom > b.top + 1 && r.top < b.bottom - 1;
        }).map((el) => el.textContent);
        return {top: b.top, bottom: b.bottom, height: b.height, width: b.width,
                vw: innerWidth, vh: innerHeight, onTop: band.contains(hit), visible,
                scroll: document.documentElement.scrollHeight > innerHeight};
    }""")
    return result


@pytest.mark.browser
async def test_captions_show_in_the_wall_band_and_on_the_phone_in_order(
        browser: Browser, server: ServerProcess, redis: Redis, captioned: EventFixture) -> None:
    """A captioner posts lines: the wall's band shows the last two, newest at the bottom,
    inside the screen and on top of everything (bursts, the thank-you screen) at 1920×1080
    and 1280×720; the phone's captions section shows them in order once opened, in a
    polite log, with text contrast of at least 4.5:1."""
    ev = captioned
    auth = await captioner(redis, ev.slug)
    walls = {}
    for width, height in ((1920, 1080), (1280, 720)):
        page, log = await open_page(browser, f"{server.url}/wall/{ev.slug}", width=width,
                                    height=height)
        await expect(page.locator("#wall")).to_have_attribute("data-online", "1", timeout=MS)
        walls[(width, height)] = (page, log)
    phone, phone_log = await open_page(browser, f"{server.url}/e/{ev.slug}", width=390,
                                       height=844)
    await expect(phone.locator("#app")).to_have_attribute("data-online", "1", timeout=MS)
    await expect(phone.locator("#captions")).to_be_hidden()

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for text in ("Plus d'arbres sur la place, s'il vous plaît !",
                     "Et des bancs à l'ombre pour les anciens.", "Merci pour ce débat"):
            await approved(http, ev.slug, text, ev.token)
    lines = ["Bonsoir et bienvenue à ce débat sur la rénovation du centre-ville.",
             "Je laisse la parole à Madame la maire,",
             "qui va présenter le projet en quelques minutes, puis ce sera à vous."]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for line in lines:
            assert (await send(http, ev.slug, line, auth)).status_code == 202

    for (width, height), (page, log) in walls.items():
        band = page.locator("#captions")
        await expect(band).to_be_visible()
        await expect(band.locator(".caption-line").last).to_have_text(lines[-1])
        await page.wait_for_timeout(300)  # the resize re-fit of the cards
        where = await _band_is_on_top(page)
        assert where["onTop"] and not where["scroll"], where
        assert 0 < float(where["top"]) and float(where["bottom"]) <= height + 0.5, where  # type: ignore[arg-type]
        assert float(where["width"]) >= width * 0.98, where  # type: ignore[arg-type]
        assert where["visible"][-1] == lines[-1], where  # type: ignore[index]
        assert await contrast_problems(page, ["#captions .caption-line"], 7) == []
        assert await axe_violations(page, "#captions") == []
        await screenshot(page, f"captions-wall-{width}x{height}")
        # Bursts fly over the wall and the thank-you screen covers it: never the band.
        await page.evaluate("""() => {
            for (let i = 0; i < 30; i++) {
                const b = document.createElement('div');
                b.className = 'burst'; b.style.left = (i * 3) + '%'; b.style.bottom = '2em';
                document.getElementById('bursts').append(b);
            }
            document.getElementById('closed').hidden = false;
        }""")
        assert (await _band_is_on_top(page))["onTop"]
        assert log.problems() == []

    section = phone.locator("#captions")
    await expect(section).to_be_visible()
    toggle = phone.locator("#captions-toggle")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(phone.locator("#caption-lines")).to_be_hidden()
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    log_region = phone.locator("#caption-lines")
    await expect(log_region).to_have_attribute("aria-live", "polite")
    await expect(log_region.locator(".caption-line")).to_have_text(lines)
    assert await contrast_problems(phone, ["#caption-lines .caption-line"]) == []
    assert await axe_violations(phone, "#captions") == []
    await screenshot(phone, "captions-phone-390x844")
    assert phone_log.problems() == []


async def test_the_transcript_is_exported_and_reported(
        app_client: httpx.AsyncClient, redis: Redis, redis_url: str,
        event: EventFixture) -> None:
    """The lines, in order and with their times, in the JSON, NDJSON and CSV exports (the
    route and `clameur export`), the README and the report; never who sent them."""
    auth = await captioner(redis, event.slug)
    said = ["Première ligne,", "=SOMME(A1) n'est pas une formule", "dernière ligne."]
    assert (await send(app_client, event.slug, "\n".join(said), auth)).status_code == 202
    admin = event.admin_auth
    doc = (await app_client.get(f"/api/events/{event.slug}/export.json", headers=admin)).json()
    assert [c["text"] for c in doc["transcript"]] == said
    assert all(set(c) == {"at", "text"} and c["at"].endswith("Z") for c in doc["transcript"])
    assert doc["dataset"]["captions"] == 3 and "transcript" in doc["dataset"]["columns"]
    nd = (await app_client.get(f"/api/events/{event.slug}/export.ndjson", headers=admin)).text
    assert [json.loads(x)["text"] for x in nd.splitlines()
            if json.loads(x)["type"] == "caption"] == said
    table = await app_client.get(f"/api/events/{event.slug}/export.csv?table=transcript",
                                 headers=admin)
    assert table.status_code == 200 and "transcript.csv" in table.headers["content-disposition"]
    rows = table.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "at,text" and rows[2].endswith(",'=SOMME(A1) n'est pas une formule")
    readme = (await app_client.get(f"/api/events/{event.slug}/export.csv?table=readme&lang=en",
                                   headers=admin)).text
    assert f"{event.slug}-transcript.csv" in readme
    report = (await app_client.get(f"/e/{event.slug}/report?lang=fr", headers=admin)).text
    assert "Transcription" in report and "dernière ligne." in report
    assert "CART" not in doc.__repr__() + report

    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "wall", "export", event.slug, "--format", "json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout(30))
    assert done.returncode == 0, done.stderr
    assert [c["text"] for c in json.loads(done.stdout)["transcript"]] == said
