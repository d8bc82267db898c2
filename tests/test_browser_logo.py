"""The uploaded logo file on the projected wall, in a real headless Chromium."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.async_api import Browser, expect

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.servers import ServerProcess

pytestmark = pytest.mark.browser


def banner() -> bytes:
    """A wide logo (600×150): the wall must scale it down whole."""
    image = Image.new("RGB", (600, 150), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 140, 140), fill="#1f5fbf")
    draw.ellipse((170, 20, 280, 130), fill="#c8361a")
    draw.rectangle((310, 60, 590, 90), fill="#15171c")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def test_the_wall_header_shows_the_uploaded_logo(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """After PUT …/logo, the wall's header draws the file (decoded, alt="" beside the
    title), no wider than a sixth of the wall, loaded from this server only."""
    res = await http.put(f"/api/events/{event.slug}/logo", content=banner(),
                         headers={**event.admin_auth, "Content-Type": "image/png"})
    assert res.status_code == 200, res.text
    page, log = await open_page(browser, "about:blank", width=1280, height=720)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    await page.goto(f"{server.url}/wall/{event.slug}")
    logo = page.locator(".wall-head img.logo")
    await expect(logo).to_be_visible()
    await expect(logo).to_have_attribute("src", res.json()["logo"])
    await expect(logo).to_have_attribute("alt", "")
    await page.wait_for_function(
        "() => { const i = document.querySelector('img.logo'); "
        "return i.complete && i.naturalWidth === 600 && i.naturalHeight === 150; }")
    box = await logo.bounding_box()
    assert box is not None and 0 < box["width"] <= 1280 / 6 + 1 and box["height"] > 20, box
    await screenshot(page, "wall-with-logo")
    assert all(u.startswith(server.url) for u in urls), urls
    assert log.problems() == []
