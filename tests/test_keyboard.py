"""The phone page with the keyboard alone, in a real Chromium: Tab to the message box, type,
send with Enter; Tab to a poll's answer, vote with Space; every control reached shows a
visible focus outline. No click, no fill: only key presses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.servers import ServerProcess
from tests.support.timing import timeout

pytestmark = pytest.mark.browser
MS = int(timeout(15) * 1000)
MAX_TABS = 60
FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
          name: (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
          visible: el.matches(":focus-visible")};
}"""


async def tab_to(page: Page, selector: str, seen: list[dict[str, Any]],
                 key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus; note
    each stop."""
    for _ in range(MAX_TABS):
        await page.keyboard.press(key)
        seen.append(await page.evaluate(FOCUSED))
        if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus: {[s['id'] or s['name'] for s in seen]}")


async def test_keyboard_alone_posts_a_message_and_votes_with_a_visible_focus(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """Tab, type, Enter: the message reaches the moderators' queue; Tab, Space: the vote is
    counted; each control passed on the way showed a focus outline of 2 px or more."""
    res = await http.post(f"/api/events/{event.slug}/polls", headers=event.auth, json={
        "question": "Quel jour pour la prochaine réunion ?",
        "options": ["Mardi", "Jeudi", "Samedi"]})
    poll_id = res.json()["id"]
    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/open", headers=event.auth)
    page, log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390, height=844)
    await expect(page.locator("#app")).to_have_attribute("data-online", "1", timeout=MS)
    await expect(page.locator("#poll .poll-option")).to_have_count(3, timeout=MS)

    seen: list[dict[str, Any]] = []
    await tab_to(page, "#text", seen)
    await page.keyboard.type("Écrit au clavier, sans souris.")
    await tab_to(page, "#send", seen)
    await page.keyboard.press("Enter")
    await expect(page.locator("#status")).to_have_attribute("data-tone", "ok", timeout=MS)
    queue = (await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)).json()
    assert [i["text"] for i in queue["items"]] == ["Écrit au clavier, sans souris."]

    # The poll is above the form: back to it.
    await tab_to(page, '#poll .poll-option[data-index="1"] .option-label', seen, "Shift+Tab")
    await page.keyboard.press("Space")
    chosen = page.locator('#poll .poll-option[data-index="1"] .option-label')
    await expect(chosen).to_have_attribute("aria-pressed", "true", timeout=MS)
    await expect(page.locator(".poll-note")).to_have_attribute("data-tone", "ok", timeout=MS)
    shown = (await http.get(f"/api/events/{event.slug}/polls/{poll_id}")).json()
    assert [o["votes"] for o in shown["options"]] == [0, 1, 0]

    unseen = [s for s in seen if not (s["visible"] and s["style"] != "none"
                                      and s["width"] >= 2)]
    assert unseen == [], f"controls without a visible focus: {unseen}"
    assert {"text", "send"} <= {s["id"] for s in seen} and len(seen) >= 5
    assert log.problems() == []
