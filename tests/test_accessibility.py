"""Accessibility: every page and state passes axe-core's WCAG 2.1 A and AA rules in a real
Chromium, in French and English, on a phone (390×844) and a projector (1920×1080); the
accessibility statement claims no more than this suite checks; themes below AA contrast
are refused; the sources' languages reach the pages; the phone page mirrors the wall as
text and announces new items politely (not reactions); `motion: reduced` stops bursts.

One Chromium and one real `clameur serve` for the module; every event and state is made
once (`room`), then each case only opens a page. axe-core comes with the
`axe-playwright-python` package (no download) and is injected through Playwright's
`page.evaluate` (the DevTools protocol), which the pages' strict CSP does not apply to:
the pages keep the server's own CSP (no 'unsafe-inline'), no bypass is needed.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from axe_playwright_python.base import AXE_SCRIPT
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import EventFixture
from tests.support.browser import CHROMIUM, FLAGS, screenshot
from tests.support.cli import clameur
from tests.support.clients import approved, decide
from tests.support.requires import require_file
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.models import Event
from wall.paths import resource_dir
from wall.redis_client import connect
from wall.routes.info import RECORD
from wall.sources.bluesky import post_item
from wall.sources.mastodon import status_item
from wall.sources.normalise import deliver
from wall.sources.x import tweet_item
from wall.store.events import create_event, get_event
from wall.store.tokens import create_token
from wall.theme import BASE_PALETTES, clean_theme, contrast_problems

pytestmark = pytest.mark.browser
IN_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the module's browser and room
MS = int(timeout(15) * 1000)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["fr", "en"]
VIEWPORTS = {"390x844": (390, 844), "1920x1080": (1920, 1080)}


@dataclass
class Room:
    """The events of the module, one per state, made once."""

    server: ServerProcess
    open: EventFixture  # items, a pinned item, a German item, a question, reactions
    closed: EventFixture
    draft: EventFixture
    questions: EventFixture  # the wall shows the questions
    poll: EventFixture  # a choice poll open and shown; light theme
    words: EventFixture  # a word cloud open and shown

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"


async def make_event(redis: Any, title: str, **settings: Any) -> EventFixture:
    """A new event with this title, a moderator and an admin token."""
    slug = f"a11y-{secrets.token_hex(4)}"
    await create_event(redis, Event(slug=slug, title=title, **settings))
    token, _ = await create_token(redis, slug, "moderator", label="alice")
    admin, _ = await create_token(redis, slug, "admin", label="root")
    return EventFixture(slug, token, admin)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole module."""
    require_file(CHROMIUM, "Chromium", "chromium")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


async def _wall_mode(http: httpx.AsyncClient, ev: EventFixture, mode: str) -> None:
    res = await http.post(f"/api/events/{ev.slug}/wall-mode", json={"mode": mode},
                          headers=ev.auth)
    assert res.status_code == 200, res.text


async def _open_poll(http: httpx.AsyncClient, ev: EventFixture, body: dict[str, Any],
                     ballots: list[dict[str, Any]]) -> None:
    res = await http.post(f"/api/events/{ev.slug}/polls", headers=ev.auth, json=body)
    assert res.status_code == 201, res.text
    poll_id = res.json()["id"]
    assert (await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open",
                            headers=ev.auth)).status_code == 200
    for ballot in ballots:  # one phone (device cookie) each
        async with httpx.AsyncClient(base_url=http.base_url, timeout=10) as phone:
            res = await phone.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                                   json=ballot)
            assert res.status_code == 202, res.text
    await _wall_mode(http, ev, "poll")


async def _german_item(redis: Any, ev: EventFixture) -> str:
    """A Mastodon status in German, through the real connector's mapping."""
    event = await get_event(redis, ev.slug)
    assert event is not None
    status = {"uri": f"https://social.example/users/lena/statuses/{ev.slug}",
              "url": "https://social.example/@lena/1", "language": "de", "sensitive": False,
              "spoiler_text": "", "content": "<p>Guten Abend aus Berlin! #debat</p>",
              "media_attachments": [],
              "account": {"acct": "lena", "display_name": "Lena", "avatar": ""}}
    item = status_item(event, status, "social.example")
    assert await deliver(redis, event, [item]) == 1
    return item.id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def room(server: ServerProcess, redis_url: str) -> AsyncIterator[Room]:
    """Every event the cases open, in the state each case checks."""
    redis = connect(redis_url)
    try:
        base = {"hashtags": ["debat"], "sms_number": "06 12 34 56 78", "sms_keyword": "MUR"}
        ev_open = await make_event(redis, title="Débat citoyen", **base)
        closed = await make_event(redis, title="Conseil de quartier")
        draft = await make_event(redis, title="Atelier", status="draft")
        questions = await make_event(redis, title="Questions au maire")
        poll = await make_event(redis, title="Budget participatif", theme={"dark": "0"})
        words = await make_event(redis, title="En un mot")
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            first = await approved(http, ev_open.slug, "Merci pour ce débat !", ev_open.token)
            await approved(http, ev_open.slug, "Et les pistes cyclables ?", ev_open.token)
            assert (await decide(http, ev_open.slug, first, "pin",
                                 ev_open.token)).status_code == 200
            german = await _german_item(redis, ev_open)
            assert (await decide(http, ev_open.slug, german, "approve",
                                 ev_open.token)).status_code == 200
            await http.post(f"/api/events/{ev_open.slug}/reactions",
                            json={"counts": {"clap": 12, "heart": 3}})
            for ev in (ev_open, questions):
                res = await http.post(f"/api/events/{ev.slug}/posts", json={
                    "text": "Quand la piscine rouvrira-t-elle ?", "kind": "question",
                    "author": "Camille"})
                assert (await decide(http, ev.slug, res.json()["id"], "approve",
                                     ev.token)).status_code == 200
            await _wall_mode(http, questions, "questions")
            await approved(http, closed.slug, "À la prochaine !", closed.token)
            res = await http.post(f"/api/events/{closed.slug}/status",
                                  json={"status": "closed"}, headers=closed.admin_auth)
            assert res.status_code == 200, res.text
            await _open_poll(http, poll, {"question": "Quelle priorité ?",
                                          "options": ["Des arbres", "Une piste cyclable",
                                                      "Des bancs"]},
                             [{"option": 0}, {"option": 1}, {"option": 1}])
            await _open_poll(http, words, {"question": "En un mot, ce débat ?",
                                           "type": "words"},
                             [{"text": "passionnant"}, {"text": "utile"},
                              {"text": "passionnant"}, {"text": "concret"}])
        yield Room(server, ev_open, closed, draft, questions, poll, words)
    finally:
        await redis.aclose()


# ---- the cases: how to open each page in its state ----

Prepare = Callable[[Page, Room, str], Awaitable[str]]


async def _online(page: Page, root: str = "#app") -> None:
    await expect(page.locator(root)).to_have_attribute("data-online", "1", timeout=MS)


async def audience_open(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.open.slug}?lang={lang}"))
    await _online(page)
    await expect(page.locator("#feed > li")).to_have_count(4, timeout=MS)  # with the question
    await expect(page.locator("#mirror-pinned")).to_be_visible(timeout=MS)
    await expect(page.locator('#feed p[lang="de"]')).to_have_count(1)
    return "audience"


async def audience_closed(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.closed.slug}?lang={lang}"))
    await _online(page)
    await expect(page.locator("#closed")).to_be_visible()
    await expect(page.locator("#send")).to_be_disabled()
    return "audience"


async def audience_draft(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.draft.slug}?lang={lang}"))
    await expect(page.locator("h1")).to_be_visible()
    return "draft"


async def audience_offline(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.open.slug}?lang={lang}"))
    await _online(page)
    await page.context.set_offline(True)
    await page.fill("#text", "Envoyé hors ligne")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_attribute("data-tone", "wait", timeout=MS)
    return "audience"


async def audience_posting(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.open.slug}?lang={lang}"))
    await _online(page)
    await page.fill("#text", "Un message de plus")
    await page.click("#send")
    await expect(page.locator("#status")).to_have_attribute("data-tone", "ok", timeout=MS)
    return "audience"


async def audience_questions(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.questions.slug}?lang={lang}"))
    await _online(page)
    await expect(page.locator("#question-list > .question")).to_have_count(1, timeout=MS)
    return "audience"


async def audience_poll(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.poll.slug}?lang={lang}"))
    await _online(page)
    await expect(page.locator("#poll .poll-option")).to_have_count(3, timeout=MS)
    await expect(page.locator("#mirror-poll li")).to_have_count(3, timeout=MS)
    return "audience"


async def audience_words(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/{room.words.slug}?lang={lang}"))
    await _online(page)
    await expect(page.locator("#poll .cloud-word")).to_have_count(3, timeout=MS)
    return "audience"


async def _wall(page: Page, room: Room, ev: EventFixture, lang: str, mode: str) -> str:
    await page.goto(room.url(f"/wall/{ev.slug}?lang={lang}"))
    await _online(page, "#wall")
    await expect(page.locator("#wall")).to_have_attribute("data-mode", mode, timeout=MS)
    return "wall"


async def wall_feed(page: Page, room: Room, lang: str) -> str:
    await _wall(page, room, room.open, lang, "feed")
    await expect(page.locator("#pinned")).to_be_visible(timeout=MS)
    await expect(page.locator("#items > .card")).to_have_count(3, timeout=MS)
    return "wall"


async def wall_questions(page: Page, room: Room, lang: str) -> str:
    await _wall(page, room, room.questions, lang, "questions")
    await expect(page.locator("#question-list > .question")).to_have_count(1, timeout=MS)
    return "wall"


async def wall_poll(page: Page, room: Room, lang: str) -> str:
    await _wall(page, room, room.poll, lang, "poll")
    await expect(page.locator("#poll .poll-option")).to_have_count(3, timeout=MS)
    return "wall"


async def wall_words(page: Page, room: Room, lang: str) -> str:
    await _wall(page, room, room.words, lang, "poll")
    await expect(page.locator("#poll .cloud-word")).to_have_count(3, timeout=MS)
    return "wall"


async def wall_closed(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/wall/{room.closed.slug}?lang={lang}"))
    await expect(page.locator("#closed")).to_be_visible(timeout=MS)
    return "wall"


async def report(page: Page, room: Room, lang: str) -> str:
    async with httpx.AsyncClient(base_url=room.server.url, timeout=10) as http:
        res = await http.post(f"/api/events/{room.open.slug}/report-links",
                              headers=room.open.admin_auth)
    assert res.status_code == 201, res.text
    await page.goto(room.url(f"{res.json()['path']}?lang={lang}"))
    await expect(page.locator("svg.chart").first).to_be_visible()
    return "report"


async def not_found(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url(f"/e/no-such-event?lang={lang}"))
    await expect(page.locator("h1")).to_be_visible()
    return "not-found"


async def statement(page: Page, room: Room, lang: str) -> str:
    await page.goto(room.url("/accessibilite" if lang == "fr" else "/accessibility"))
    await expect(page.locator("h1")).to_be_visible()
    return "statement"


async def take_part(page: Page, room: Room, lang: str) -> str:
    path = "participer" if lang == "fr" else "take-part"
    await page.goto(room.url(f"/e/{room.open.slug}/{path}"))
    await expect(page.locator("ol.steps > li")).to_have_count(5)
    return "take-part"


CASES: dict[str, Prepare] = {
    "audience-open": audience_open, "audience-closed": audience_closed,
    "audience-draft": audience_draft, "audience-offline": audience_offline,
    "audience-posting": audience_posting, "audience-questions": audience_questions,
    "audience-poll": audience_poll, "audience-words": audience_words,
    "wall-feed": wall_feed, "wall-questions": wall_questions, "wall-poll": wall_poll,
    "wall-words": wall_words, "wall-closed": wall_closed,
    "report": report, "not-found": not_found, "statement": statement,
    "take-part": take_part,
}


async def new_context(browser: Browser, viewport: str, lang: str,
                      reduced_motion: bool = False) -> BrowserContext:
    width, height = VIEWPORTS[viewport]
    locale = "fr-FR" if lang == "fr" else "en-GB"
    context = await browser.new_context(
        viewport={"width": width, "height": height}, locale=locale,
        reduced_motion="reduce" if reduced_motion else "no-preference",
        extra_http_headers={"Accept-Language": f"{locale},{lang};q=0.9"})
    context.set_default_timeout(MS)
    return context


def _described(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:6]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


SETTLED = """() => {
  const moving = document.getAnimations().filter((a) => a.playState === "running"
    && !(a.effect && a.effect.target && a.effect.target.closest("#bursts")));
  const cloud = document.querySelector("#poll:not([hidden]) .cloud:not([hidden])");
  const laidOut = !cloud || !cloud.dataset.width
    || cloud.dataset.width === String(Math.round(cloud.getBoundingClientRect().width));
  return moving.length === 0 && laidOut;
}"""


async def settle(page: Page) -> None:
    """Two frames painted, no animation running, a word cloud laid out for its box."""
    await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                        "requestAnimationFrame(r)))")
    await page.wait_for_function(SETTLED)


@IN_MODULE_LOOP
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", list(CASES))
async def test_page_passes_axe_at_wcag21_aa(chromium: Browser, room: Room, case: str,
                                            lang: str) -> None:
    """The page, in this state and language, on a phone and then on a projector-sized
    screen, has no axe-core violation of the WCAG 2.1 A/AA rules, says its language, and
    runs under the server's strict CSP without an error."""
    context = await new_context(chromium, "390x844", lang)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        csp: list[str] = []
        page.on("response", lambda r: csp.append(r.headers.get("content-security-policy", ""))
                if r.request.resource_type == "document" else None)
        await CASES[case](page, room, lang)
        found = []
        for viewport, (width, height) in VIEWPORTS.items():
            await page.set_viewport_size({"width": width, "height": height})
            await settle(page)
            results = await Axe().run(page, options={
                "runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
            if results.response["violations"]:
                found.append(f"{case} {lang} {viewport}:\n"
                             f"{_described(results.response['violations'])}")
        assert found == [], "\n".join(found)
        assert await page.get_attribute("html", "lang") == lang
        assert csp and all("script-src 'self'" in c and "unsafe-inline" not in c for c in csp)
        assert errors == []
    finally:
        await context.close()


def test_the_statement_claims_only_what_this_suite_checks() -> None:
    """wall/accessibility.json (the statement's source) lists exactly the pages, states,
    languages, sizes, rules and axe-core version this module checks, and no violation."""
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    assert record["pages"] == list(CASES)
    assert record["languages"] == LANGUAGES
    assert record["viewports"] == list(VIEWPORTS)
    assert record["rule_tags"] == TAGS
    version = re.match(r"/\*! axe v([\d.]+)", AXE_SCRIPT)
    assert version and record["axe_version"] == version.group(1)
    assert record["violations"] == 0


@IN_MODULE_LOOP
async def test_statement_and_easy_read_pages_are_linked_and_say_what_was_checked(
        room: Room) -> None:
    """The phone page links the easy-read page and the statement; the statement counts
    the checks of this suite and names the contact, in French and English."""
    async with httpx.AsyncClient(base_url=room.server.url, timeout=10) as http:
        phone = (await http.get(f"/e/{room.open.slug}?lang=fr")).text
        assert f'href="/e/{room.open.slug}/participer"' in phone
        assert 'href="/accessibilite"' in phone and "Accessibilité : non conforme" in phone
        page = (await http.get("/accessibilite")).text
        checks = len(CASES) * len(LANGUAGES) * len(VIEWPORTS)
        assert f"en {checks} vérifications" in page and "erreurs trouvées : 0" in page
        assert "Voies de recours" in page and "non conforme" in page
        english = (await http.get("/accessibility")).text
        assert f"in {checks} checks" in english and "Remedies" in english
        easy = (await http.get(f"/e/{room.open.slug}/take-part")).text
        assert "06 12 34 56 78" in easy and "How to take part" in easy
        assert (await http.get("/e/no-such-event/participer")).status_code == 404


def test_a_theme_below_aa_contrast_is_refused_by_the_command_line(redis_url: str) -> None:
    """`clameur event create/update --theme` refuses a yellow accent on a light page with
    a message naming the pair, its ratio and the need; a readable theme is saved."""
    env = {"REDIS_URL": redis_url, "CLAMEUR_SECRET": "test-secret"}
    bad = clameur("event", "create", "theme-bad", "--title", "Jaune",
                  "--theme", '{"dark": "0", "accent": "#ffcc00"}', env=env)
    assert bad.returncode == 2
    assert "theme refused" in bad.stderr and "WCAG 2.1 AA" in bad.stderr
    assert ("accent-coloured text (hashtags, focus outline) on the page background: "
            "#ffcc00 on #f5f2eb is 1.35:1, needs 4.5:1") in bad.stderr
    good = clameur("event", "create", "theme-good", "--title", "Bleu",
                   "--theme", '{"dark": "0", "accent": "#1f5fbf"}', env=env)
    assert good.returncode == 0, good.stderr
    worse = clameur("event", "update", "theme-good", "--theme", '{"background": "#777777"}',
                    env=env)
    assert worse.returncode == 2 and "text on cards and boxes" in worse.stderr


def test_the_checked_palettes_are_the_pages_palettes_and_pass() -> None:
    """wall/theme.py checks the palettes static/clameur.css really draws with, and both
    default palettes reach 4.5:1 on every pair; a bright accent on a light page does not."""
    css = (resource_dir("static") / "clameur.css").read_text()
    for dark, selector in (("1", ".theme-dark"), ("0", ".theme-light")):
        block = css[css.index(selector + " {"):]
        block = block[:block.index("}")]
        drawn = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", block))
        for name, colour in BASE_PALETTES[dark].items():
            assert clean_theme({"text": drawn[name]})["text"] == colour, (selector, name)
        assert contrast_problems({"dark": dark}) == []
    assert [p.split(":")[0] for p in contrast_problems(clean_theme(
        {"dark": "0", "accent": "#ffcc00"}))] == [
        "accent-coloured text (hashtags, focus outline) on the page background",
        "accent-coloured text (labels, counts) on cards and boxes"]


def test_sources_give_their_items_a_language() -> None:
    """Mastodon `language`, Bluesky `langs` and X `lang` become the item's `lang`; X's
    "und" and a malformed tag become none."""
    event = Event(slug="langs", title="Langs")
    toot = status_item(event, {"uri": "u", "language": "de", "content": "<p>Hallo</p>",
                               "account": {"acct": "lena"}}, "social.example")
    post = post_item(event, "did:plc:x", "r1", {"text": "Olá", "langs": ["pt-br", "en"]},
                     {"name": "Ana", "handle": "ana.bsky.social", "avatar": ""})
    users = {"1": {"id": "1", "username": "sam", "name": "Sam"}}
    tweets = [tweet_item(event, {"id": str(n), "text": "hi", "author_id": "1", "lang": tag},
                         users, {}) for n, tag in enumerate(["en", "und", "<b>"])]
    assert [toot.lang, post.lang, *(t.lang for t in tweets)] == ["de", "pt-BR", "en", "", ""]
    assert json.loads(toot.to_json())["lang"] == "de" and toot.public()["lang"] == "de"


@IN_MODULE_LOOP
async def test_the_phone_page_mirrors_the_wall_as_text_with_reduced_motion(
        chromium: Browser, room: Room) -> None:
    """At 390×844 with reduced motion: the mirror says what the wall shows, the pinned
    item and the open poll as text; a new item is announced politely once, reactions
    never; a tap draws no animation. The screenshot is kept for a person to look at."""
    redis = connect(room.server.redis_url or "")
    try:
        ev = await make_event(redis, title="Réunion publique", hashtags=["quartier"])
    finally:
        await redis.aclose()
    async with httpx.AsyncClient(base_url=room.server.url, timeout=10) as http:
        pinned = await approved(http, ev.slug, "Bienvenue ! Le débat commence à 19 h.",
                                ev.token)
        assert (await decide(http, ev.slug, pinned, "pin", ev.token)).status_code == 200
        await approved(http, ev.slug, "Plus de bancs place du marché, svp.", ev.token)
        await _open_poll(http, ev, {"question": "Quel horaire pour la prochaine réunion ?",
                                    "options": ["18 h", "19 h", "20 h"]},
                         [{"option": 1}, {"option": 1}, {"option": 2}])
        context = await new_context(chromium, "390x844", "fr", reduced_motion=True)
        try:
            page = await context.new_page()
            await page.goto(room.url(f"/e/{ev.slug}"))
            await _online(page)
            mirror = page.locator("#mirror")
            await expect(mirror.locator("#mirror-mode")).to_have_text("Le mur montre un sondage.",
                                                                      timeout=MS)
            await expect(mirror.locator("#mirror-pinned")).to_contain_text(
                "Bienvenue ! Le débat commence à 19 h.")
            await expect(mirror.locator("#mirror-poll li").nth(1)).to_have_text(
                re.compile(r"^B\. 19 h — 67\s%\s\(2 voix\)\s*$"))
            await expect(page.locator("#mirror-news")).to_have_attribute("aria-live", "polite")
            await page.wait_for_function(  # the poll open at load has been announced
                "() => document.querySelector('#mirror-news').textContent.includes('Sondage')")
            before = await page.locator("#mirror-news").text_content()
            await page.keyboard.press("Tab")  # the skip link comes first, and leads here
            await expect(page.locator(".skip-link")).to_be_focused()
            await page.keyboard.press("Enter")
            await expect(mirror).to_be_focused()
            await page.locator(".react-btn").first.click()
            assert await page.evaluate("document.getAnimations().length") == 0
            await http.post(f"/api/events/{ev.slug}/reactions", json={"counts": {"clap": 30}})
            await approved(http, ev.slug, "Et le stationnement ?", ev.token)
            await expect(page.locator("#mirror-news")).to_contain_text(
                "Nouveau sur le mur : Anonyme : Et le stationnement ?", timeout=MS)
            news = await page.locator("#mirror-news").text_content()
            assert news != before and "clap" not in (news or "")
            await page.evaluate("document.getElementById('mirror').scrollIntoView()")
            path = await screenshot(page, "a11y-phone-mirror-390x844-reduced-motion")
            assert path.stat().st_size > 10_000
        finally:
            await context.close()


@IN_MODULE_LOOP
async def test_an_event_with_reduced_motion_draws_no_burst_and_announces_items(
        chromium: Browser, room: Room) -> None:
    """`motion: reduced`: a wall whose viewer has no preference draws no burst for 50
    taps; a new item is announced in the wall's live region, the reactions are not."""
    redis = connect(room.server.redis_url or "")
    try:
        ev = await make_event(redis, title="Calme", motion="reduced")
    finally:
        await redis.aclose()
    context = await new_context(chromium, "1920x1080", "fr")
    try:
        page = await context.new_page()
        await page.goto(room.url(f"/wall/{ev.slug}"))
        await _online(page, "#wall")
        assert "motion-reduced" in (await page.get_attribute("body", "class") or "")
        assert await page.get_attribute("#items", "aria-live") is None
        async with httpx.AsyncClient(base_url=room.server.url, timeout=10) as http:
            await http.post(f"/api/events/{ev.slug}/reactions", json={"counts": {"clap": 50}})
            await expect(page.locator('#totals li[data-kind="clap"] .count')).to_have_text(
                "50", timeout=MS)
            await approved(http, ev.slug, "Un message calme", ev.token)
        await expect(page.locator("#wall-news")).to_contain_text("Un message calme",
                                                                 timeout=MS)
        assert await page.get_attribute("#bursts", "data-spawned") == "0"
        assert await page.evaluate("document.getAnimations().length") == 0
    finally:
        await context.close()
