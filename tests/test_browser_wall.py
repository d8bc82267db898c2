"""The projected wall in a real headless Chromium, driven through the moderation API."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, WebSocket, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.clients import approved, decide, post
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.store.events import update_event
from wall.store.reactions import add_reactions

pytestmark = pytest.mark.browser
MS = int(timeout(10) * 1000)


async def cards(page: Page) -> list[str]:
    """The ids of the cards on the wall, in order (the pinned one excluded)."""
    return await page.eval_on_selector_all("#items > .card", "els => els.map(e => e.dataset.id)")


async def open_wall(browser: Browser, server: ServerProcess, slug: str,
                    query: str = "") -> tuple[Page, object]:
    page, log = await open_page(browser, f"{server.url}/wall/{slug}{query}")
    await expect(page.locator("#wall")).to_have_attribute("data-online", "1", timeout=MS)
    return page, log


async def test_approved_item_appears_and_retract_removes_it(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Approve → a card with the text; retract → the card is gone at once."""
    page, log = await open_wall(browser, server, event.slug)
    item_id = await approved(http, event.slug, "Bonjour la salle", event.token)
    card = page.locator(f'#items > .card[data-id="{item_id}"]')
    await expect(card).to_be_visible(timeout=MS)
    await expect(card.locator(".text")).to_have_text("Bonjour la salle")
    await expect(card.locator(".badge")).to_have_text("Web")
    assert (await decide(http, event.slug, item_id, "retract", event.token)).status_code == 200
    await expect(card).to_have_count(0, timeout=MS)
    assert log.problems() == []


async def test_pin_and_highlight_show(browser: Browser, server: ServerProcess,
                                      http: httpx.AsyncClient, event: EventFixture) -> None:
    """Pin → the item stays large on top (not also as a card); highlight → emphasised first."""
    page, log = await open_wall(browser, server, event.slug)
    first = await approved(http, event.slug, "À épingler", event.token)
    second = await approved(http, event.slug, "À mettre en avant", event.token)
    third = await approved(http, event.slug, "Le plus récent", event.token)
    await expect(page.locator("#items > .card")).to_have_count(3, timeout=MS)

    assert (await decide(http, event.slug, first, "pin", event.token)).status_code == 200
    pinned = page.locator("#pinned")
    await expect(pinned).to_be_visible(timeout=MS)
    await expect(pinned).to_have_attribute("data-id", first)
    await expect(pinned.locator(".text")).to_have_text("À épingler")
    await expect(page.locator(f'#items > .card[data-id="{first}"]')).to_have_count(0)
    box = await pinned.bounding_box()
    assert box is not None and box["width"] > 800  # spans the stage at 1280 px

    assert (await decide(http, event.slug, second, "highlight", event.token)).status_code == 200
    card = page.locator(f'#items > .card[data-id="{second}"]')
    await expect(card).to_have_class(lambda_class("highlight"), timeout=MS)
    assert (await cards(page))[0] == second
    assert third in await cards(page)
    await screenshot(page, "wall-1280x720-pinned-highlighted", settle=True)

    assert (await decide(http, event.slug, first, "unpin", event.token)).status_code == 200
    await expect(pinned).to_be_hidden(timeout=MS)
    await expect(page.locator(f'#items > .card[data-id="{first}"]')).to_have_count(1)

    assert (await decide(http, event.slug, third, "pin", event.token)).status_code == 200
    await expect(pinned).to_have_attribute("data-id", third)
    assert (await decide(http, event.slug, third, "retract", event.token)).status_code == 200
    await expect(pinned).to_be_hidden()  # a retracted pinned item goes at once
    assert third not in await cards(page) and len(await cards(page)) == 2
    assert log.problems() == []


def lambda_class(name: str) -> re.Pattern[str]:
    """Matches a class attribute that contains `name`."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


async def test_server_restart_under_an_open_wall_resumes_alone_without_duplicates(
        browser: Browser, redis_url: str, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Its server restarts: the wall shows an indicator, reconnects with after=, misses
    nothing approved meanwhile (through another server), and shows nothing twice."""
    own = ServerProcess(redis_url=redis_url).start()
    try:
        page, log = await open_wall(browser, own, event.slug)
        await page.evaluate("window.__sameDocument = true")
        before = await approved(http, event.slug, "avant le redémarrage", event.token)
        await expect(page.locator(f'#items > .card[data-id="{before}"]')).to_have_count(
            1, timeout=MS)

        own.stop()
        await expect(page.locator("#conn")).to_be_visible(timeout=MS)
        await expect(page.locator(f'#items > .card[data-id="{before}"]')).to_have_count(1)
        during = await approved(http, event.slug, "pendant la coupure", event.token)
        own.start()

        await expect(page.locator("#conn")).to_be_hidden(timeout=int(timeout(20) * 1000))
        after = await approved(http, event.slug, "après le redémarrage", event.token)
        await expect(page.locator(f'#items > .card[data-id="{after}"]')).to_have_count(
            1, timeout=MS)
        assert await cards(page) == [after, during, before]
        assert await page.evaluate("window.__sameDocument") is True  # never reloaded
        # While the server was down, requests failed: expected here.
        assert [e for e in log.problems() if "ERR_CONNECTION_REFUSED" not in e] == []
    finally:
        own.stop()


XSS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '<a href="javascript:window.__xss=3">clique ici</a>',
    "javascript:window.__xss=4",
    '"><svg onload="window.__xss=5"></svg>',
]


async def test_html_and_js_payloads_show_as_text_and_inject_nothing(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient, redis: Redis,
        event: EventFixture) -> None:
    """Texts, authors and the event title with HTML/JS stay text on wall and phone alike."""
    await update_event(redis, event.slug, {"title": "<script>window.__xss=6</script>Fête"})
    wall, log = await open_wall(browser, server, event.slug)
    phone, phone_log = await open_page(browser, f"{server.url}/e/{event.slug}",
                                       width=390, height=844)
    ids = []
    for text in XSS:
        res = await post(http, event.slug, text, author='<b onmouseover="window.__xss=7">Ève</b>')
        assert res.status_code == 202, res.text
        ids.append(res.json()["id"])
        assert (await decide(http, event.slug, ids[-1], "approve", event.token)).status_code == 200
    await expect(wall.locator("#items > .card")).to_have_count(len(XSS), timeout=MS)
    await expect(phone.locator("#feed > li")).to_have_count(len(XSS), timeout=MS)

    for page, scope in ((wall, "#wall"), (phone, "#app")):
        assert await page.evaluate("window.__xss") is None
        counts = await page.evaluate(f"""() => ({{
            injected: document.querySelectorAll('[onerror],[onload],[onmouseover]').length,
            scripts: document.querySelectorAll('{scope} script').length,
            links: document.querySelectorAll(
                '{scope} a, {scope} img[src="x"], {scope} svg[onload]').length,
        }})""")
        assert counts == {"injected": 0, "scripts": 0, "links": 0}
    shown = await wall.eval_on_selector_all(
        "#items > .card", "els => els.map(e => [e.dataset.id, e.querySelector('.text').textContent,"
                          " e.querySelector('.author').textContent])")
    by_id = dict(zip(ids, XSS, strict=True))
    assert sorted(i for i, _, _ in shown) == sorted(ids)
    for item_id, text, author in shown:
        assert author == '<b onmouseover="window.__xss=7">Ève</b>'
        # the whole payload as text, or (fitted in a small card) a word-prefix of it with "…"
        assert text == by_id[item_id] or (text.endswith("…") and
                                          by_id[item_id].startswith(text[:-1]))
    assert await wall.locator("h1.event-title").text_content() == \
        "<script>window.__xss=6</script>Fête"
    assert log.problems() == [] and phone_log.problems() == []


async def test_five_thousand_taps_never_animate_more_than_the_cap(
        browser: Browser, server: ServerProcess, redis: Redis, event: EventFixture) -> None:
    """Bursts of 5,000 taps: totals exact, concurrent animations capped, page responsive."""
    page, log = await open_wall(browser, server, event.slug)
    cap = await page.evaluate("window.ClameurBursts.MAX_ACTIVE")
    for _ in range(4):
        await add_reactions(redis, event.slug, {"clap": 2000, "heart": 2000, "wow": 1000})
    await expect(page.locator('#totals li[data-kind="clap"] .count')).to_have_text(
        re.compile(r"^8\D?000$"), timeout=MS)
    stats = await page.evaluate("({...document.getElementById('bursts').dataset})")
    assert 0 < int(stats["peak"]) <= cap
    assert int(stats["dropped"]) >= 20_000 - int(stats["spawned"])
    assert await page.locator("#bursts .burst").count() <= cap
    await page.wait_for_function(
        "() => Number(document.getElementById('meter').dataset.level) >= 90", timeout=MS)
    assert log.problems() == []


async def test_wall_keeps_only_what_it_shows_in_the_dom(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Fifteen approved items: six cards in the DOM, newest first, oldest dropped; thirty
    more leave the document exactly as large (the screen readers' live region aside: it
    holds the last batch read out, up to three lines of one or two elements)."""
    page, log = await open_wall(browser, server, event.slug)
    ids = [await approved(http, event.slug, f"message {n}", event.token) for n in range(15)]
    await expect(page.locator(f'#items > .card[data-id="{ids[-1]}"]')).to_have_count(
        1, timeout=MS)
    await expect(page.locator("#items > .card")).to_have_count(6)
    assert await cards(page) == list(reversed(ids[-6:]))
    assert await page.locator("[data-id]").count() == 6  # nothing kept hidden in the DOM
    nodes = "() => document.querySelectorAll('*:not(#wall-news *)').length"
    before = await page.evaluate(nodes)
    more = [await approved(http, event.slug, f"message {n}", event.token) for n in range(15, 45)]
    await expect(page.locator(f'#items > .card[data-id="{more[-1]}"]')).to_have_count(1)
    assert await page.evaluate(nodes) == before  # the document does not grow with time
    assert log.problems() == []


async def test_a_quiet_wall_cycles_through_earlier_items(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """With nothing new (idle=1 s here), an item no longer shown comes back to the front."""
    ids = [await approved(http, event.slug, f"souvenir {n}", event.token) for n in range(9)]
    page, log = await open_wall(browser, server, event.slug, "?idle=1")
    assert await cards(page) == list(reversed(ids[-6:]))
    older = ids[:3]
    await page.wait_for_function(
        "(older) => older.includes(document.querySelector('#items > .card').dataset.id)",
        arg=older, timeout=int(timeout(10) * 1000))
    assert await page.locator("#items > .card").count() == 6
    assert len(set(await cards(page))) == 6
    assert log.problems() == []


async def test_closing_the_event_shows_the_thank_you_screen_with_totals(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient, redis: Redis,
        event: EventFixture) -> None:
    """Event closed while the wall is open: a thank-you screen with the room's figures."""
    page, log = await open_wall(browser, server, event.slug)
    await approved(http, event.slug, "merci à tous", event.token)
    await add_reactions(redis, event.slug, {"heart": 42})
    await expect(page.locator('#totals li[data-kind="heart"] .count')).to_have_text(
        "42", timeout=MS)
    await update_event(redis, event.slug, {"status": "closed"})
    closed = page.locator("#closed")
    await expect(closed).to_be_visible(timeout=MS)
    await expect(closed.locator("h2")).to_have_text("Merci !")
    await expect(page.locator("#closed-figure")).to_have_text("1 message sur le mur")
    await expect(closed.locator('li[data-kind="heart"] .count')).to_have_text("42")
    await screenshot(page, "wall-1280x720-closed", settle=True)
    later, later_log = await open_wall(browser, server, event.slug)  # opened after closing
    await expect(later.locator("#closed")).to_be_visible()
    await expect(later.locator('#closed li[data-kind="heart"] .count')).to_have_text("42")
    await expect(later.locator("#closed-figure")).to_have_attribute("data-count", "1")
    assert log.problems() == [] and later_log.problems() == []


async def test_the_wall_speaks_the_events_language_not_the_projectors(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        redis: Redis) -> None:
    """A French event on an en-US projector: the page, its script's strings and the
    thank-you screen are French; `?lang=en` makes them English; an English-first event on
    a fr-FR projector is English."""
    french = await make_event(redis, languages=["fr", "en"])
    await approved(http, french.slug, "Bonjour à tous", french.token)  # no name: anonymous
    page, log = await open_page(browser, f"{server.url}/wall/{french.slug}", locale="en-US")
    assert await page.get_attribute("html", "lang") == "fr"
    await expect(page.locator(".join h2")).to_have_text("Participez")
    await expect(page.locator("#meter-label")).to_have_text("Clameur-mètre")
    await expect(page.locator("#items > .card .author")).to_have_text("Anonyme", timeout=MS)
    await screenshot(page, "wall-1280x720-french-event-en-us-projector", settle=True)
    await update_event(redis, french.slug, {"status": "closed"})
    await expect(page.locator("#closed h2")).to_have_text("Merci !", timeout=MS)
    await expect(page.locator("#closed-figure")).to_have_text("1 message sur le mur")

    chosen, chosen_log = await open_page(browser, f"{server.url}/wall/{french.slug}?lang=en",
                                         locale="fr-FR")
    assert await chosen.get_attribute("html", "lang") == "en"
    await expect(chosen.locator(".join h2")).to_have_text("Take part")
    await expect(chosen.locator("#closed h2")).to_have_text("Thank you!")
    await expect(chosen.locator("#closed-figure")).to_have_text("1 message on the wall",
                                                                timeout=MS)

    english = await make_event(redis, languages=["en", "fr"])
    other, other_log = await open_page(browser, f"{server.url}/wall/{english.slug}",
                                       locale="fr-FR")
    await expect(other.locator(".join h2")).to_have_text("Take part")
    await expect(other.locator("#meter-label")).to_have_text("Clameur meter")
    assert log.problems() == [] and chosen_log.problems() == [] and other_log.problems() == []


async def test_reconnecting_clears_after_a_quiet_restart(
        browser: Browser, redis_url: str, event: EventFixture) -> None:
    """The server restarts and nothing happened meanwhile: "Reconnecting…" goes as soon as
    the socket is open again, though the new socket has received no frame at all."""
    own = ServerProcess(redis_url=redis_url).start()
    try:
        page, log = await open_page(browser, f"{own.url}/wall/{event.slug}", wait=False)
        frames: list[list[str]] = []  # per socket, in the order they opened

        def follow(ws: WebSocket) -> None:
            received: list[str] = []
            frames.append(received)
            ws.on("framereceived", lambda payload: received.append(str(payload)))

        page.on("websocket", follow)
        await page.goto(f"{own.url}/wall/{event.slug}")
        await expect(page.locator("#wall")).to_have_attribute("data-online", "1", timeout=MS)
        own.stop()
        await expect(page.locator("#conn")).to_be_visible(timeout=MS)
        own.start()
        await expect(page.locator("#conn")).to_be_hidden(timeout=int(timeout(20) * 1000))
        assert await page.get_attribute("#wall", "data-online") == "1"
        assert frames[-1] == []  # a quiet reconnect: after= had nothing to send
        # While the server was down, requests failed: expected here.
        assert [e for e in log.problems() if "ERR_CONNECTION_REFUSED" not in e] == []
    finally:
        own.stop()
