"""The audience's phone page in a real headless Chromium: reactions, posts, outcomes, languages."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import (  # noqa: F401
    ARTIFACTS,
    browser_fixture,
    contrast_problems,
    open_page,
)
from tests.support.clients import decide
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.store.events import update_event

pytestmark = pytest.mark.browser
MS = int(timeout(10) * 1000)
BUDGET = 100 * 1024  # bytes fetched by the first load: see docs/pages.md


async def open_phone(browser: Browser, server: ServerProcess, slug: str,
                     locale: str = "fr-FR") -> tuple[Page, object]:
    page, log = await open_page(browser, f"{server.url}/e/{slug}", width=390, height=844,
                                locale=locale)
    await expect(page.locator("#app")).to_have_attribute("data-online", "1", timeout=MS)
    return page, log


async def queue_texts(http: httpx.AsyncClient, event: EventFixture) -> list[str]:
    res = await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)
    return [i["text"] for i in res.json()["items"]]


async def test_taps_on_the_phone_move_the_meter_and_bursts_on_the_wall(
        browser: Browser, server: ServerProcess, event: EventFixture) -> None:
    """Taps on one page (batched) reach a wall in another page: totals, meter, bursts."""
    wall, wall_log = await open_page(browser, f"{server.url}/wall/{event.slug}")
    await expect(wall.locator("#wall")).to_have_attribute("data-online", "1", timeout=MS)
    phone, log = await open_phone(browser, server, event.slug)
    heart = phone.locator('.react-btn[data-kind="heart"]')
    for _ in range(12):
        await heart.click()
    await phone.locator('.react-btn[data-kind="clap"]').click()
    await expect(heart.locator(".tap-count")).to_have_text("+12")

    await expect(wall.locator('#totals li[data-kind="heart"] .count')).to_have_text(
        "12", timeout=MS)
    await expect(wall.locator('#totals li[data-kind="clap"] .count')).to_have_text("1")
    level = int(await wall.locator("#meter").get_attribute("aria-valuenow") or 0)
    assert level > 0
    assert int(await wall.locator("#bursts").get_attribute("data-spawned") or 0) > 0
    assert log.problems() == [] and wall_log.problems() == []


async def test_first_load_weighs_less_than_the_budget(
        browser: Browser, server: ServerProcess, event: EventFixture) -> None:
    """Everything the phone page fetches on first load, from the network log: < 100 KB,
    all from this server (no CDN, no outside font)."""
    page, _ = await open_page(browser, "about:blank", width=390, height=844, csp=False)
    requests: list[Request] = []
    page.on("requestfinished", lambda request: requests.append(request))
    await page.goto(f"{server.url}/e/{event.slug}", wait_until="networkidle")
    sizes = [await r.sizes() for r in requests]
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
    urls = [r.url for r in requests]
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    assert all(u.startswith(server.url) for u in urls), urls
    assert 0 < total < BUDGET, (total, urls)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "audience-weight.json").write_text(json.dumps(
        {"total": total, "requests": {u: s["responseBodySize"] + s["responseHeadersSize"]
                                      for u, s in zip(urls, sizes, strict=True)}}, indent=1))


async def test_a_post_says_awaiting_moderation_then_shown_on_the_wall(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Send → "awaiting moderation"; approved → "on the wall" and in the live feed."""
    page, log = await open_phone(browser, server, event.slug)
    await page.fill("#text", "Une question <b>sérieuse</b>")
    await page.fill("#author", "Zoé")
    await page.click("#send")
    status = page.locator("#status")
    await expect(status).to_have_text(
        "Envoyé ! Il apparaîtra dès qu'un modérateur l'aura validé.", timeout=MS)
    await expect(page.locator("#text")).to_have_value("")
    res = await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)
    [item] = res.json()["items"]
    assert (item["text"], item["author"]) == ("Une question <b>sérieuse</b>", "Zoé")
    assert (await decide(http, event.slug, item["id"], "approve", event.token)).status_code == 200
    await expect(status).to_have_text("Votre message est sur le mur !", timeout=MS)
    mine = page.locator(f'#feed > li.mine[data-id="{item["id"]}"]')
    await expect(mine.locator("p")).to_have_text("Une question <b>sérieuse</b>")
    await page.reload()
    await expect(page.locator("#author")).to_have_value("Zoé")  # remembered on the device
    assert log.problems() == []


async def test_in_post_moderation_a_post_is_shown_at_once(
        browser: Browser, server: ServerProcess, redis: Redis) -> None:
    """mode=post: the page says the message is already on the wall, and shows it."""
    ev = await make_event(redis, mode="post")
    page, log = await open_phone(browser, server, ev.slug)
    await page.fill("#text", "tout de suite")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_text(re.compile(
        "^(Envoyé et affiché sur le mur.|Votre message est sur le mur !)$"), timeout=MS)
    await expect(page.locator("#feed > li.mine p")).to_have_text("tout de suite", timeout=MS)
    assert log.problems() == []


async def test_a_too_long_message_is_explained_and_not_sent(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """501 characters: the counter turns red, the page says why, nothing reaches the queue."""
    page, log = await open_phone(browser, server, event.slug)
    await page.fill("#text", "a" * 501)
    await expect(page.locator("#counter")).to_have_text("-1 caractères restants")
    await expect(page.locator("#counter")).to_have_attribute("data-tone", "bad")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_text("Trop long : 500 caractères au maximum.")
    assert await page.locator("#text").input_value() == "a" * 501  # kept to be shortened
    assert await queue_texts(http, event) == []
    await page.fill("#text", "   ")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_text("Écrivez d'abord un message.")
    assert log.problems() == []


async def test_a_post_written_offline_is_sent_once_when_back(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Offline: the page says it will retry; back online: sent, and stored exactly once."""
    page, log = await open_phone(browser, server, event.slug)
    await page.context.set_offline(True)
    await page.fill("#text", "écrit dans le métro")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_text(
        "Vous êtes hors ligne : votre message partira dès le retour de la connexion.",
        timeout=MS)
    outbox = await page.evaluate(f"localStorage.getItem('clameur.outbox.{event.slug}')")
    assert [p["text"] for p in json.loads(outbox)] == ["écrit dans le métro"]
    await page.context.set_offline(False)
    await expect(page.locator("#status")).to_have_text(
        "Envoyé ! Il apparaîtra dès qu'un modérateur l'aura validé.",
        timeout=int(timeout(15) * 1000))
    await page.evaluate("window.dispatchEvent(new Event('online'))")  # a second drain: no-op
    assert await queue_texts(http, event) == ["écrit dans le métro"]
    assert json.loads(await page.evaluate(
        f"localStorage.getItem('clameur.outbox.{event.slug}')")) == []
    assert [e for e in log.problems() if "ERR_INTERNET_DISCONNECTED" not in e] == []


async def test_a_refused_post_keeps_its_text_and_says_when_to_retry(
        browser: Browser, redis_url: str, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Rate limited (429 + Retry-After): the text stays in the box (also after a reload),
    the page says to wait, with the seconds; a sent post (202) empties the box."""
    own = ServerProcess(redis_url=redis_url,
                        env={"CLAMEUR_RATE_LIMITS": "post_device=1/60"}).start()
    try:
        page, log = await open_phone(browser, own, event.slug)
        await page.fill("#text", "premier")
        await page.click("#send")
        await expect(page.locator("#status")).to_have_text(
            "Envoyé ! Il apparaîtra dès qu'un modérateur l'aura validé.", timeout=MS)
        await expect(page.locator("#text")).to_have_value("")
        await page.fill("#text", "un second message, tapé avec soin")
        await page.click("#send")
        await expect(page.locator("#status")).to_have_text(
            re.compile(r"^Trop rapide ! Attendez \d+ s puis réessayez\.$"), timeout=MS)
        await expect(page.locator("#text")).to_have_value("un second message, tapé avec soin")
        outbox = await page.evaluate(f"localStorage.getItem('clameur.outbox.{event.slug}')")
        assert json.loads(outbox) == []  # refused for good: not retried behind the phone's back
        await page.reload()
        await expect(page.locator("#text")).to_have_value("un second message, tapé avec soin")
        assert await queue_texts(http, event) == ["premier"]
        assert [e for e in log.problems() if "429" not in e] == []
    finally:
        own.stop()


async def test_the_page_sets_the_device_cookie_before_the_first_post(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """The phone has its signed device cookie from the page itself: its socket and its
    first post carry it, and the post's answer sets none (a lost answer and a resend make
    the same post, stored once)."""
    page, log = await open_phone(browser, server, event.slug)
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert "clameur_device" in cookies and cookies["clameur_device"]["httpOnly"]
    await page.fill("#text", "mon tout premier message")
    async with page.expect_response(f"**/api/events/{event.slug}/posts") as answer:
        await page.click("#send")
    response = await answer.value
    assert response.status == 202
    assert "set-cookie" not in await response.all_headers()
    assert {c["value"] for c in await page.context.cookies()
            if c["name"] == "clameur_device"} == {cookies["clameur_device"]["value"]}
    assert await queue_texts(http, event) == ["mon tout premier message"]
    assert log.problems() == []


async def test_a_closed_event_disables_posting_and_says_so(
        browser: Browser, server: ServerProcess, redis: Redis, event: EventFixture) -> None:
    """Closed before the page opens, or while it is open: notice shown, inputs disabled;
    reopened while open: posting comes back."""
    closed = await make_event(redis, status="closed")
    page, log = await open_page(browser, f"{server.url}/e/{closed.slug}", width=390, height=844)
    await expect(page.locator("#closed")).to_have_text(
        "Cet événement est terminé. Merci d'avoir participé !")
    await expect(page.locator("#text")).to_be_disabled()
    await expect(page.locator('.react-btn[data-kind="clap"]')).to_be_disabled()

    live, live_log = await open_phone(browser, server, event.slug)
    await expect(live.locator("#closed")).to_be_hidden()
    await update_event(redis, event.slug, {"status": "closed"})
    await expect(live.locator("#closed")).to_be_visible(timeout=MS)
    await expect(live.locator("#send")).to_be_disabled()
    await update_event(redis, event.slug, {"status": "open"})  # reopened: posting is back
    await expect(live.locator("#closed")).to_be_hidden(timeout=MS)
    await expect(live.locator("#send")).to_be_enabled()
    assert log.problems() == [] and live_log.problems() == []


async def test_language_from_accept_language_with_a_visible_switch(
        browser: Browser, server: ServerProcess, event: EventFixture) -> None:
    """English browser → English page; the FR switch → French, remembered by a cookie."""
    page, log = await open_phone(browser, server, event.slug, locale="en-GB")
    assert await page.get_attribute("html", "lang") == "en"
    await expect(page.locator("#react-title")).to_have_text("React")
    await expect(page.locator('.react-btn[data-kind="heart"]')).to_have_attribute(
        "aria-label", "Love")
    await page.click('nav.lang a[hreflang="fr"]')
    await expect(page.locator("#react-title")).to_have_text("Réagir")
    await page.goto(f"{server.url}/e/{event.slug}")
    assert await page.get_attribute("html", "lang") == "fr"
    await expect(page.locator('nav.lang a[aria-current="true"]')).to_have_text("FR")
    assert log.problems() == []


async def test_a_phone_in_another_language_gets_the_events_first_language(
        browser: Browser, server: ServerProcess, redis: Redis) -> None:
    """A German phone: French on a French event, English on an English-first one; a phone
    in English on a French event keeps English (it follows the phone)."""
    french = await make_event(redis, languages=["fr", "en"])
    english = await make_event(redis, languages=["en", "fr"])
    cases = [(french, "de-DE", "fr", "Réagir"), (english, "de-DE", "en", "React"),
             (french, "en-US", "en", "React")]
    for ev, locale, lang, react in cases:
        page, log = await open_page(browser, f"{server.url}/e/{ev.slug}", width=390,
                                    height=844, locale=locale)
        assert await page.get_attribute("html", "lang") == lang
        await expect(page.locator("#react-title")).to_have_text(react)
        assert log.problems() == []


async def test_pages_run_under_a_strict_csp(browser: Browser, server: ServerProcess,
                                            event: EventFixture) -> None:
    """The harness's CSP is really enforced: an inline script is refused, the page works."""
    page, log = await open_phone(browser, server, event.slug)
    ran = await page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
        return window.__inline === 1;
    }""")
    assert ran is False
    assert any("Content Security Policy" in e for e in log.errors)
    html = await page.content()
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize("dark", ["0", "1"])
async def test_text_contrast_meets_wcag_aa_in_both_themes(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient, redis: Redis,
        dark: str) -> None:
    """Light and dark: every text of the phone page and the wall reaches 4.5:1."""
    ev = await make_event(redis, theme={"dark": dark}, hashtags=["contraste"],
                          sms_number="06 00 00 00 00")
    res = await http.post(f"/api/events/{ev.slug}/posts", json={"text": "lisible ?"})
    await decide(http, ev.slug, res.json()["id"], "approve", ev.token)
    phone, _ = await open_phone(browser, server, ev.slug)
    await expect(phone.locator("#feed > li")).to_have_count(1, timeout=MS)
    assert await contrast_problems(phone, [
        "h1", "h2", "label", ".hint", ".counter", "#send", ".lang a", ".hashtags",
        "#feed strong", "#feed p"]) == []
    wall, _ = await open_page(browser, f"{server.url}/wall/{ev.slug}")
    await expect(wall.locator("#items > .card")).to_have_count(1, timeout=MS)
    assert await contrast_problems(wall, [
        ".event-title", ".hashtags", ".card .text", ".meta .author", ".meta time", ".badge",
        ".join h2", ".short-url", ".sms", ".meter-label", ".totals li"]) == []


async def test_keyboard_alone_can_react_and_post(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Tab order: the skip link to the wall as text, the easy-read link, language,
    reactions, the charter's "I have read it", message, name, "ask it as a question", send;
    Space taps, Enter sends."""
    page, log = await open_phone(browser, server, event.slug)
    order = []
    for _ in range(14):
        await page.keyboard.press("Tab")
        order.append(await page.evaluate(
            "() => document.activeElement.id || document.activeElement.dataset.kind "
            "|| document.activeElement.textContent.trim()"))
    assert order == ["Aller à ce que montre le mur", "Comment participer (facile à lire)",
                     "FR", "EN", "clap", "heart", "laugh", "wow", "question", "charter-ok",
                     "text", "author", "as-question", "send"]
    await page.focus('.react-btn[data-kind="wow"]')
    await page.keyboard.press("Space")
    await expect(page.locator('.react-btn[data-kind="wow"] .tap-count')).to_have_text("+1")
    await page.focus("#text")
    await page.keyboard.type("au clavier")
    await page.focus("#send")
    await page.keyboard.press("Enter")
    await expect(page.locator("#status")).to_have_text(
        "Envoyé ! Il apparaîtra dès qu'un modérateur l'aura validé.", timeout=MS)
    assert await queue_texts(http, event) == ["au clavier"]
    assert log.problems() == []
