"""The report of a 90-minute debate in a real headless Chromium: opened through a one-time
link (no token in any URL), strict CSP, charts drawn, printable to PDF; screenshots saved
in tests/artifacts/ for a person to look at."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser
from redis.asyncio import Redis

from tests.support.browser import ARTIFACTS, browser_fixture, open_page  # noqa: F401
from tests.support.seeded import seed_debate
from tests.support.servers import ServerProcess

pytestmark = pytest.mark.browser


async def report_link(server: ServerProcess, slug: str, admin_token: str, query: str = "") -> str:
    """A one-time link to the report, asked for as the desk does (admin bearer header)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        res = await http.post(f"/api/events/{slug}/report-links",
                              headers={"Authorization": f"Bearer {admin_token}"})
    assert res.status_code == 201, res.text
    return f"{server.url}{res.json()['path']}{query}"


async def test_report_renders_under_a_strict_csp_and_prints(
        browser: Browser, server: ServerProcess, redis: Redis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Three SVG charts with bars and peaks, no CSP violation, a PDF of a few A4 pages."""
    seeded = await seed_debate(redis, monkeypatch)
    url = await report_link(server, seeded.slug, seeded.admin_token, "?tz=Europe/Paris")
    # The server's own CSP (strict, no 'unsafe-inline'): the link must be a real navigation.
    page, log = await open_page(browser, url, width=1100, height=900, csp=False)
    assert page.url == f"{server.url}/e/{seeded.slug}/report?tz=Europe%2FParis"
    assert await page.locator("svg.chart").count() == 3
    assert await page.locator("svg.chart-bars text.label").count() == 5  # one per source
    assert await page.locator("svg.chart-timeline circle.peak").count() == 3
    assert await page.locator("ol.reacted > li").count() == 5
    # The stylesheet applied: the peak markers are filled by report.css, not by attributes.
    fill = await page.eval_on_selector("svg .bar-part", "e => getComputedStyle(e).fill")
    assert fill == "rgb(194, 65, 12)"
    assert log.problems() == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "report-fr.png"), full_page=True)

    await page.emulate_media(media="print")
    assert await page.locator("nav.no-print").is_hidden()
    await page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    await page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)
    pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    (ARTIFACTS / "report-fr.pdf").write_bytes(pdf)

    en_url = await report_link(server, seeded.slug, seeded.admin_token, "?lang=en")
    page_en, log_en = await open_page(browser, en_url, width=390, height=844,
                                      locale="en-GB", csp=False)
    assert await page_en.locator("h2").first.text_content() == "Posts per source"
    assert log_en.problems() == []
    await page_en.screenshot(path=str(ARTIFACTS / "report-en-phone.png"), full_page=True)
