"""Screenshots of the wall and the phone page, for a person to look at (tests/artifacts/).

Each also checks what a screenshot alone would not prove: nothing cut off, no scrollbar.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.clients import approved, decide
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from tests.test_media_proxy import PRIVATE, ImageServer, cdn  # noqa: F401
from wall.models import Item, new_item_id, utc_now_iso
from wall.moderation.intake import accept
from wall.store.events import get_event
from wall.store.reactions import add_reactions

pytestmark = pytest.mark.browser
MS = int(timeout(10) * 1000)
TEXTS = [
    ("Camille", "Merci pour cette présentation très claire ! Les slides seront-elles partagées ?"),
    ("", "Quelle place pour les associations de quartier dans le budget participatif 2027 ?"),
    ("Léa M.", "La question des mobilités douces mérite un vrai débat, avec des chiffres précis "
               "sur les pistes cyclables prévues, le calendrier des travaux et surtout l'avis "
               "des habitants des quartiers nord, premiers concernés par les changements de "
               "lignes de bus annoncés la semaine dernière. Merci de nous répondre franchement, "
               "sans langue de bois : c'est important pour beaucoup de familles ici ce soir."),
    ("Hugo", "Peut-on voter en ligne ?"),
]


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[ServerProcess]:
    """A real server that may fetch source images from the loopback image server."""
    proc = ServerProcess(redis_url=redis_url, env=PRIVATE).start()
    yield proc
    proc.stop()


async def seed(redis: Redis, http: httpx.AsyncClient, ev: EventFixture, image: str
               ) -> list[str]:
    """A realistic wall: web posts, an SMS, a Mastodon post with an image; the second pinned.
    The image comes through the wall's own copy (/media/...), like every source image."""
    ids = [await approved(http, ev.slug, text, ev.token) for _, text in TEXTS[:2]]
    event = await get_event(redis, ev.slug)
    assert event is not None
    for source, author, text, media in (
            ("sms", "", "Et le parking du marché ? On en parle quand ?", []),
            ("mastodon", "@lea@piaille.fr", "Belle salle pleine ce soir pour le débat",
             [{"url": image, "alt": "logo de la soirée"}])):
        item = Item(id=new_item_id(), event=ev.slug, source=source, source_id=new_item_id(),
                    author=author, text=text, received_at=utc_now_iso(), media=media)
        accepted = await accept(redis, event, item)
        assert (await decide(http, ev.slug, accepted.id, "approve", ev.token)).status_code == 200
        ids.append(accepted.id)
    ids += [await approved(http, ev.slug, text, ev.token) for _, text in TEXTS[2:]]
    assert (await decide(http, ev.slug, ids[1], "pin", ev.token)).status_code == 200
    return ids


async def assert_fits(page: Page, selector: str, scrolls: bool = False) -> None:
    """No scrollbar (a phone page may scroll down), every `selector` match inside the view."""
    overflow = await page.evaluate("""([sel, scrolls]) => {
        const w = innerWidth, h = scrolls ? Infinity : innerHeight, d = document.documentElement;
        const out = [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect())
            .filter(r => r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1);
        return {scroll: d.scrollWidth > w || d.scrollHeight > h, outside: out.length};
    }""", [selector, scrolls])
    assert overflow == {"scroll": False, "outside": 0}


@pytest.mark.parametrize(("width", "height", "dark"), [
    (1920, 1080, True), (1280, 720, True), (1920, 1080, False), (1280, 720, False)])
async def test_wall_screenshot_with_a_pinned_item_and_a_burst(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient, redis: Redis,
        cdn: ImageServer, width: int, height: int, dark: bool) -> None:  # noqa: F811
    """The wall at projector sizes, light and dark: pinned item, cards, QR, meter, burst."""
    theme = {"dark": "1"} if dark else {"dark": "0", "accent": "#1f5fbf",
                                          "logo": "/static/favicon.svg"}
    ev = await make_event(redis, hashtags=["conseil", "mobilites"], sms_number="06 12 34 56 78",
                          sms_keyword="CLAMEUR", theme=theme)
    await seed(redis, http, ev, f"{cdn.url}/photo.jpg")
    page, log = await open_page(browser, "about:blank", width=width, height=height)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    await page.goto(f"{server.url}/wall/{ev.slug}")
    await expect(page.locator("#items > .card")).to_have_count(5, timeout=MS)
    await expect(page.locator("#pinned")).to_be_visible()
    await expect(page.locator(".card .media")).to_have_attribute("alt", "logo de la soirée")
    await assert_fits(page, ".card, #pinned, .join, .join > *, .wall-head")
    await add_reactions(redis, ev.slug, {"heart": 60, "clap": 90, "laugh": 20})
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#bursts .burst')]"
        ".filter(b => b.getBoundingClientRect().top < innerHeight * 0.6).length >= 8",
        timeout=MS)
    path = await screenshot(page, f"wall-{width}x{height}-{'dark' if dark else 'light'}")
    assert path.stat().st_size > 20_000
    assert urls and all(u.startswith(server.url) for u in urls), urls  # no CDN, no web font
    assert log.problems() == []


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_audience_screenshot_on_a_phone(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient, redis: Redis,
        lang: str) -> None:
    """The phone page at 390x844 in French and English, with taps and the live feed."""
    ev = await make_event(redis, hashtags=["conseil"], theme={"dark": "0"})
    for author, text in TEXTS[:2] + TEXTS[3:]:
        res = await http.post(f"/api/events/{ev.slug}/posts", json={"text": text,
                                                                    "author": author})
        assert (await decide(http, ev.slug, res.json()["id"], "approve",
                             ev.token)).status_code == 200
    page, log = await open_page(browser, f"{server.url}/e/{ev.slug}", width=390, height=844,
                                locale="fr-FR" if lang == "fr" else "en-US")
    await expect(page.locator("#feed > li")).to_have_count(3, timeout=MS)
    for _ in range(3):
        await page.click('.react-btn[data-kind="heart"]')
    await page.fill("#author", "Zoé")
    await page.fill("#text", "Merci !" if lang == "fr" else "Thank you!")
    await page.evaluate("() => { document.activeElement.blur(); scrollTo(0, 0); }")
    await assert_fits(page, ".react-btn, #send, .lang a, #feed > li", scrolls=True)
    await screenshot(page, f"audience-390x844-{lang}")
    assert log.problems() == []
