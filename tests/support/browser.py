"""Real headless Chromium for page tests: Debian's chromium driven by Playwright.

The `browser` fixture (import `browser_fixture` into a test module) launches one Chromium
per test and closes it in teardown. `open_page` adds what every page test wants: a strict
Content-Security-Policy without 'unsafe-inline' on every document (so a page that needs
inline code fails here first) and a record of JavaScript errors and CSP violations that
the tests assert to be empty.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from tests.support.requires import require_file
from tests.support.timing import timeout

CHROMIUM = os.environ.get("CLAMEUR_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         # A document fulfilled by page.route() (to add the CSP) counts as "public" for
         # Chromium's Local Network Access checks, which then block its ws://127.0.0.1.
         "--disable-features=LocalNetworkAccessChecks"]
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: "
              "data:; connect-src 'self'; object-src 'none'; base-uri 'none'")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WAIT_MS = int(timeout(10) * 1000)  # a shared 2-core machine can be slow; never a speed test
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[Browser]:
    """One headless Chromium, closed when the test ends."""
    require_file(CHROMIUM, "Chromium", "chromium")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class PageLog:
    """What went wrong in a page: uncaught errors and console errors (CSP violations too)."""

    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        # Chromium logs failed WebSocket handshakes while a server restarts: expected there.
        return [e for e in self.errors if "WebSocket connection" not in e]


async def _with_csp(route: Route) -> None:
    """Documents get the strict CSP header; everything else goes through untouched."""
    if route.request.resource_type != "document":
        await route.continue_()
        return
    response = await route.fetch()
    headers = {**response.headers, "content-security-policy": STRICT_CSP}
    await route.fulfill(response=response, headers=headers)


async def open_page(browser: Browser, url: str, *, width: int = 1280, height: int = 720,
                    locale: str = "fr-FR", wait: bool = True, csp: bool = True
                    ) -> tuple[Page, PageLog]:
    """A new page (in its own context) at `url` under a strict CSP, with its error log."""
    context = await browser.new_context(viewport={"width": width, "height": height},
                                        locale=locale, extra_http_headers={
                                            "Accept-Language": f"{locale},{locale[:2]};q=0.9"})
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    log = PageLog()
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: log.errors.append(msg.text) if msg.type == "error" else None)
    if csp:
        await page.route("**/*", _with_csp)
    if wait:
        await page.goto(url)
    return page, log


async def screenshot(page: Page, name: str, settle: bool = False) -> Path:
    """Save a PNG under tests/artifacts/ (gitignored) for a person to look at; `settle`
    waits until no animation but the reaction bursts is running."""
    if settle:
        await page.wait_for_function("""() => document.getAnimations().filter(a =>
            a.playState === 'running' && !a.effect.target.closest('#bursts')).length === 0""")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path


_CONTRAST = """([selectors, minimum]) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (!el.getClientRects().length) continue;
      const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < minimum) out.push(`${sel}: ${ratio.toFixed(2)}`);
    }
  }
  return out;
}"""


async def contrast_problems(page: Page, selectors: list[str], minimum: float = 4.5
                            ) -> list[str]:
    """Visible elements whose text/background contrast (WCAG) is below `minimum`."""
    problems: list[str] = await page.evaluate(_CONTRAST, [selectors, minimum])
    return problems
