"""Questions, polls and word clouds in a real headless Chromium: the phone page and the
wall, driven by real phones (HTTP clients with their own device cookies), a real server and
the moderation API. Screenshots land in artifacts/ for a person to look at."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import EventFixture, make_event
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.clients import decide, post
from tests.support.servers import ServerProcess
from tests.support.timing import timeout

pytestmark = pytest.mark.browser
MS = int(timeout(15) * 1000)
QUESTIONS = ["Quand la piscine municipale rouvrira-t-elle ses portes ?",
             "Le budget participatif sera-t-il reconduit l'an prochain ?",
             "Pourquoi la navette du samedi a-t-elle été supprimée ?",
             "Où en est le projet de piste cyclable rue Gambetta ?",
             "Qui décide des horaires de la médiathèque ?"]


async def asked(http: httpx.AsyncClient, ev: EventFixture, text: str) -> str:
    res = await post(http, ev.slug, text, kind="question", author="Camille")
    item_id: str = res.json()["id"]
    assert (await decide(http, ev.slug, item_id, "approve", ev.token)).status_code == 200
    return item_id


async def set_mode(http: httpx.AsyncClient, ev: EventFixture, mode: str) -> None:
    res = await http.post(f"/api/events/{ev.slug}/wall-mode", json={"mode": mode},
                          headers=ev.auth)
    assert res.status_code == 200


async def open_wall(browser: Browser, server: ServerProcess, slug: str, width: int = 1920,
                    height: int = 1080) -> tuple[Page, Any]:
    page, log = await open_page(browser, f"{server.url}/wall/{slug}", width=width,
                                height=height)
    await expect(page.locator("#wall")).to_have_attribute("data-online", "1", timeout=MS)
    return page, log


async def visible_counts(page: Page) -> list[tuple[str, int]]:
    """(question id, votes shown) in the order the page lists them."""
    rows = await page.eval_on_selector_all(
        "#question-list > .question",
        "els => els.map(e => [e.dataset.id, Number(e.querySelector('.q-count').textContent"
        ".replace(/\\D/g, ''))])")
    return [(str(i), int(n)) for i, n in rows]


async def test_two_hundred_phones_upvoting_at_once_give_exact_counts_everywhere(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """200 phones upvote concurrently (each question a known number of times, some phones
    twice): the API, an open phone page and the wall in questions mode all show the exact
    counts in the same order."""
    ids = [await asked(http, event, text) for text in QUESTIONS]
    wall, wall_log = await open_wall(browser, server, event.slug)
    phone, phone_log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                       height=844)
    await expect(phone.locator("#question-list > .question")).to_have_count(5, timeout=MS)
    await set_mode(http, event, "questions")
    await expect(wall.locator("#questions")).to_be_visible(timeout=MS)
    await expect(wall.locator("#stage")).to_be_hidden()
    await expect(wall.locator(".join .qr")).to_be_visible()
    await expect(wall.locator("#meter")).to_be_visible()

    # Phone n upvotes question k when n % (k + 2) == 0 (question 0: every other phone...).
    wanted = {qid: sum(1 for n in range(200) if n % (k + 2) == 0) for k, qid in enumerate(ids)}

    async def phone_votes(n: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as device:
            for k, qid in enumerate(ids):
                if n % (k + 2) == 0:
                    for _ in range(1 + n % 2):  # odd phones press twice: counted once
                        res = await device.post(f"/api/events/{event.slug}/items/{qid}/votes")
                        assert res.status_code == 200, res.text

    await asyncio.gather(*(phone_votes(n) for n in range(200)))
    listed = (await http.get(f"/api/events/{event.slug}/questions")).json()["items"]
    expected = sorted(wanted.items(), key=lambda kv: -kv[1])
    assert [(q["id"], q["votes"]) for q in listed] == expected
    assert [n for _, n in expected] == [100, 67, 50, 40, 34]

    for page in (phone, wall):
        await expect(page.locator("#question-list > .question").first).to_have_attribute(
            "data-votes", "100", timeout=MS)
        await page.wait_for_function(
            """(want) => [...document.querySelectorAll('#question-list > .question')]
                .map(e => e.dataset.id + ':' + e.dataset.votes).join(',') === want""",
            arg=",".join(f"{i}:{n}" for i, n in expected), timeout=MS)
        assert await visible_counts(page) == expected
    await screenshot(wall, "asks-wall-questions-1920x1080", settle=True)
    await wall.set_viewport_size({"width": 1280, "height": 720})
    await screenshot(wall, "asks-wall-questions-1280x720", settle=True)
    await screenshot(phone, "asks-phone-questions-390x844", settle=True)
    assert wall_log.problems() == [] and phone_log.problems() == []


async def test_upvotes_arriving_keep_the_focus_on_a_phones_upvote_button(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Other phones' upvotes move counts and ranks in place: the upvote button a keyboard
    (or screen reader) user is on keeps the focus, even when its row changes rank, and
    Enter then counts that upvote."""
    first, second = [await asked(http, event, text) for text in QUESTIONS[:2]]
    phone, log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                 height=844)
    button = phone.locator(f'#question-list > .question[data-id="{second}"] .q-votes')
    await expect(button).to_be_enabled(timeout=MS)
    await button.focus()
    await phone.evaluate("window.__focused = document.activeElement")
    for target, times in ((first, 3), (second, 5)):  # the second one overtakes the first
        for _ in range(times):
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as other:
                answer = await other.post(f"/api/events/{event.slug}/items/{target}/votes")
                assert answer.status_code == 200, answer.text
    await expect(phone.locator("#question-list > .question").first).to_have_attribute(
        "data-id", second, timeout=MS)
    await expect(phone.locator(f'.question[data-id="{first}"]')).to_have_attribute(
        "data-votes", "3", timeout=MS)
    assert await phone.evaluate(
        "document.activeElement === window.__focused && document.activeElement.isConnected")
    await phone.keyboard.press("Enter")
    await expect(phone.locator(f'.question[data-id="{second}"]')).to_have_attribute(
        "data-votes", "6", timeout=MS)
    await expect(button).to_be_disabled()
    assert log.problems() == []


async def test_a_question_toggled_on_the_phone_is_posted_as_a_question(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """The phone's toggle posts `kind: question`; once approved it is listed and the
    phone's own upvote counts once."""
    phone, log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                 height=844)
    await phone.fill("#text", "Combien coûte la nouvelle salle des fêtes ?")
    await phone.check("#as-question")
    await phone.click("#send")
    queue: list[dict[str, Any]] = []
    for _ in range(100):
        queue = (await http.get(f"/api/events/{event.slug}/queue",
                                headers=event.auth)).json()["items"]
        if queue:
            break
        await asyncio.sleep(0.05)
    assert queue and queue[0]["kind"] == "question"
    await decide(http, event.slug, queue[0]["id"], "approve", event.token)
    row = phone.locator(f'#question-list > .question[data-id="{queue[0]["id"]}"]')
    await expect(row).to_be_visible(timeout=MS)
    await row.locator(".q-votes").click()
    await expect(row).to_have_attribute("data-votes", "1", timeout=MS)
    await expect(row.locator(".q-votes")).to_be_disabled()
    assert log.problems() == []


async def test_tallies_arriving_keep_the_phones_option_buttons_focus_and_taps(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Votes from other phones update the bars in place: the option a keyboard (or screen
    reader) user is on keeps the focus through every tally, and Enter then votes for it."""
    res = await http.post(f"/api/events/{event.slug}/polls", headers=event.auth, json={
        "question": "Quel horaire pour la réunion ?", "options": ["18 h", "19 h", "20 h"]})
    poll_id = res.json()["id"]
    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/open", headers=event.auth)
    phone, log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                 height=844)
    option = phone.locator('.poll-option[data-index="2"] .option-label')
    await expect(option).to_be_enabled(timeout=MS)
    await option.focus()
    await phone.evaluate("window.__focused = document.activeElement")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as other:
        for n in range(6):  # each vote from another phone: a `poll` frame to every phone
            answer = await other.post(f"/api/events/{event.slug}/polls/{poll_id}/votes",
                                      json={"option": n % 2})
            assert answer.status_code == 202
            other.cookies.clear()  # the next vote is another phone's
    await expect(phone.locator('.poll-option[data-index="1"]')).to_have_attribute(
        "data-votes", "3", timeout=MS)
    assert await phone.evaluate(
        "document.activeElement === window.__focused && document.activeElement.isConnected")
    await phone.keyboard.press("Enter")
    await expect(phone.locator('.poll-option[data-index="2"]')).to_have_class(
        re.compile(r"\bmine\b"), timeout=MS)
    shown = (await http.get(f"/api/events/{event.slug}/polls/{poll_id}")).json()
    assert [o["votes"] for o in shown["options"]] == [3, 3, 1]
    assert log.problems() == []


async def test_a_poll_shows_live_bars_on_the_wall_and_the_phone(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """A poll opened and shown: a phone votes with a tap (then changes its mind), 30 more
    phones vote over HTTP; wall and phone show the same exact votes and percentages; the
    close is shown too."""
    res = await http.post(f"/api/events/{event.slug}/polls", headers=event.auth, json={
        "question": "Quelle priorité pour le quartier ?",
        "options": ["Plus d'arbres", "Une piste cyclable", "Des bancs", "Un marché"]})
    poll_id = res.json()["id"]
    wall, wall_log = await open_wall(browser, server, event.slug)
    phone, phone_log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                       height=844)
    await expect(phone.locator("#app")).to_have_attribute("data-online", "1", timeout=MS)
    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/open", headers=event.auth)
    await set_mode(http, event, "poll")
    await expect(wall.locator("#poll")).to_be_visible(timeout=MS)
    await expect(phone.locator("#poll")).to_be_visible(timeout=MS)
    await phone.locator('.poll-option[data-index="3"] .option-label').click()
    await expect(phone.locator(".poll-note")).to_contain_text("D", timeout=MS)
    await phone.locator('.poll-option[data-index="1"] .option-label').click()
    await expect(phone.locator('.poll-option[data-index="1"]')).to_have_class(
        re.compile(r"\bmine\b"), timeout=MS)

    async def phone_vote(n: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as device:
            res = await device.post(f"/api/events/{event.slug}/polls/{poll_id}/votes",
                                    json={"option": [0, 1, 1, 2, 0, 0][n % 6]})
            assert res.status_code == 202

    await asyncio.gather(*(phone_vote(n) for n in range(30)))
    expected = [15, 11, 5, 0]  # the tapping phone's vote moved from D to B
    shown = (await http.get(f"/api/events/{event.slug}/polls/{poll_id}")).json()
    assert [o["votes"] for o in shown["options"]] == expected and shown["total"] == 31
    for page in (wall, phone):
        await page.wait_for_function(
            """(want) => [...document.querySelectorAll('#poll .poll-option')]
                .map(e => e.dataset.votes).join(',') === want""",
            arg=",".join(map(str, expected)), timeout=MS)
        percents = await page.eval_on_selector_all(
            "#poll .option-percent", "els => els.map(e => e.textContent)")
        assert [re.sub(r"\s", " ", p) for p in percents] == ["48 %", "35 %", "16 %", "0 %"]
    await screenshot(wall, "asks-wall-poll-1920x1080", settle=True)
    await wall.set_viewport_size({"width": 1280, "height": 720})
    await screenshot(wall, "asks-wall-poll-1280x720", settle=True)
    await screenshot(phone, "asks-phone-poll-390x844", settle=True)

    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/close", headers=event.auth)
    await expect(wall.locator("#poll")).to_have_attribute("data-status", "closed", timeout=MS)
    await expect(phone.locator('.poll-option[data-index="0"] .option-label')).to_be_disabled()
    assert wall_log.problems() == [] and phone_log.problems() == []


async def test_a_word_cloud_on_the_wall_never_shows_a_held_word(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        redis: Any) -> None:
    """Words sent by phones make a cloud on the wall, plurals folded, the biggest word the
    most sent; a word the event's word list holds never appears, on the wall or the
    phone, until a moderator shows it."""
    ev = await make_event(redis, blocked_words=["nul"])
    res = await http.post(f"/api/events/{ev.slug}/polls", headers=ev.auth,
                          json={"question": "En un mot, ce débat ?", "type": "words"})
    poll_id = res.json()["id"]
    await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open", headers=ev.auth)
    await set_mode(http, ev, "poll")
    wall, wall_log = await open_wall(browser, server, ev.slug)
    phone, phone_log = await open_page(browser, f"{server.url}/e/{ev.slug}", width=390,
                                       height=844)
    sent = (["Passionnant"] * 9 + ["utile"] * 6 + ["Utiles"] * 2 + ["trop long"] * 4
            + ["démocratie"] * 5 + ["nul"] * 7 + ["écoute"] * 3 + ["enfin !"] * 2
            + ["concret", "vivant", "respectueux", "animé", "clair", "riche", "bruyant"])

    async def phone_word(n: int, word: str) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as device:
            res = await device.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                                    json={"text": word})
            assert res.status_code == 202

    await asyncio.gather(*(phone_word(n, w) for n, w in enumerate(sent)))
    await expect(wall.locator('.cloud-word[data-text="passionnant"]')).to_have_attribute(
        "data-count", "9", timeout=MS)
    await expect(wall.locator('.cloud-word[data-text="utile"]')).to_have_attribute(
        "data-count", "8", timeout=MS)
    await expect(phone.locator('.cloud-word[data-text="démocratie"]')).to_have_attribute(
        "data-count", "5", timeout=MS)
    for page in (wall, phone):
        assert await page.locator('.cloud-word[data-text="nul"]').count() == 0
        assert await page.locator('.cloud-word[data-text="utiles"]').count() == 0
        words = await page.eval_on_selector_all(
            ".cloud-word:not([hidden])", "els => els.map(e => e.dataset.text)")
        assert "nul" not in words and len(words) == 13
    sizes = await wall.eval_on_selector_all(
        ".cloud-word", "els => els.map(e => [e.dataset.text, parseFloat(e.style.fontSize)])")
    assert max(sizes, key=lambda s: s[1])[0] == "passionnant"
    await screenshot(wall, "asks-wall-cloud-1920x1080", settle=True)
    await wall.set_viewport_size({"width": 1280, "height": 720})
    await wall.wait_for_function(  # laid out again for the smaller box
        "() => { const c = document.querySelector('#poll .cloud');"
        " return c.dataset.width === String(Math.round(c.getBoundingClientRect().width)); }")
    await expect(wall.locator('.cloud-word[data-text="passionnant"]')).to_be_visible()
    await screenshot(wall, "asks-wall-cloud-1280x720", settle=True)
    await screenshot(phone, "asks-phone-cloud-390x844", settle=True)

    allowed = await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/words",
                              json={"text": "nul", "action": "show"}, headers=ev.auth)
    assert allowed.status_code == 200
    await expect(wall.locator('.cloud-word[data-text="nul"]')).to_have_attribute(
        "data-count", "7", timeout=MS)
    assert wall_log.problems() == [] and phone_log.problems() == []
