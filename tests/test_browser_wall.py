"""The projected wall in a real headless Chromium, driven through the moderation API."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.clients import approved, decide
from tests.support.servers import ServerProcess
from tests.support.timing import timeout

pytestmark = pytest.mark.browser
MS = int(timeout() * 1000)


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
