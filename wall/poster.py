"""The room's poster: one printable page (A4 or A3) that tells people how to take part.

It carries the event's title, the QR code of the audience page and its short URL, the SMS
number and keyword, the hashtags, the first lines of the charter, the event's logo file when
its theme shows one (as a `data:` URI: the PDF is printed with nothing fetched, and a saved
.html has no server), and the steps in
easy-read French (FALC: one short sentence per idea) — then the same in the event's other
language. `poster_html` renders `templates/poster.html` (print CSS in `static/poster.css`);
`poster_pdf` prints that HTML with Chromium (Playwright's `page.pdf`), the only way to get
the same layout as a browser; without Chromium only the HTML exists.
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from wall.i18n import LANGUAGES, translations
from wall.logo import shows_uploaded_logo
from wall.models import Event
from wall.moderation.charter import charter_for
from wall.paths import resource_dir
from wall.qr import qr_svg, short_url
from wall.store.client import Client
from wall.store.logo import get_logo
from wall.theme import clean_theme

SIZES = {"a4": "A4", "a3": "A3"}
STYLESHEET = "poster.css"
CHARTER_LINES = 3
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


class ChromiumMissing(RuntimeError):
    """No Chromium to print the PDF with."""


@dataclass
class Part:
    """The poster's text in one language."""

    lang: str
    charter: list[str]


def poster_languages(event: Event) -> list[str]:
    """The event's languages that Clameur speaks, in the event's order (French when none)."""
    langs: list[str] = []
    for tag in event.languages:
        lang = tag[:2].lower()
        if lang in LANGUAGES and lang not in langs:
            langs.append(lang)
    return langs or ["fr"]


def charter_lines(event: Event, lang: str) -> list[str]:
    """The first lines of the charter: the organiser's own text, else the default rules."""
    charter = charter_for(event, lang)
    if charter.custom:
        lines = [line.strip() for line in charter.custom.splitlines() if line.strip()]
    else:
        lines = [text for _, _, text in charter.rules]
    return lines[:CHARTER_LINES]


def join_url(base: str, slug: str) -> str:
    return f"{base.rstrip('/')}/e/{slug}"


async def poster_logo(redis: Client, event: Event) -> str:
    """The event's logo file as a data: URI when its theme shows it (the wall does), else
    "". A theme logo that is another path on the server (`/static/...`) is not printed."""
    if not shows_uploaded_logo(clean_theme(event.theme).get("logo"), event.slug):
        return ""
    logo = await get_logo(redis, event.slug)
    if logo is None:
        return ""
    return f"data:{logo.media_type};base64,{base64.b64encode(logo.body).decode('ascii')}"


def poster_html(event: Event, base: str, size: str = "a4", standalone: bool = True,
                logo: str = "") -> str:
    """The poster as HTML for the audience page under `base`; `standalone` puts the CSS in
    the file (a file opened from disk has no /static), else it links /static/poster.css.
    `logo`: the event's logo file as a data: URI (`poster_logo`), or "" for none."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(resource_dir("templates")),
                             autoescape=True)
    langs = poster_languages(event)
    url = join_url(base, event.slug)
    parts = [Part(lang, charter_lines(event, lang)) for lang in langs]
    css = (resource_dir("static") / STYLESHEET).read_text("utf-8") if standalone else ""
    return env.get_template("poster.html").render(
        event=event, lang=langs[0], parts=parts, size=size, page_size=SIZES[size],
        url=url, short_url=short_url(url), qr=Markup(qr_svg(url)),
        standalone=standalone, css=Markup(css), logo=logo,
        t=lambda lang, message: translations(lang).gettext(message))


def chromium_path() -> str | None:
    """The Chromium to print with: CLAMEUR_CHROMIUM when set (that one only), else
    /usr/bin/chromium, else one on PATH."""
    chosen = os.environ.get("CLAMEUR_CHROMIUM", "")
    for candidate in [chosen] if chosen else [CHROMIUM]:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    if chosen:
        return None
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def poster_pdf(html: str, size: str = "a4") -> bytes:
    """`html` printed to PDF by headless Chromium at the poster's paper size."""
    executable = chromium_path()
    if executable is None:
        raise ChromiumMissing("Chromium is needed to print the PDF (apt-get install chromium, "
                              "or set CLAMEUR_CHROMIUM); an .html poster needs nothing")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True,
                                           args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page()
            # Nothing to fetch: the CSS and the QR code are in the HTML.
            await page.route("**/*", lambda route: route.abort()
                             if route.request.resource_type != "document"
                             else route.continue_())
            await page.set_content(html, wait_until="load")
            await page.emulate_media(media="print")
            return await page.pdf(format=SIZES[size], print_background=True,
                                  prefer_css_page_size=True)
        finally:
            await browser.close()


def write_poster(event: Event, base: str, output: Path, size: str = "a4",
                 logo: str = "") -> Path:
    """Write the poster to `output`: HTML when it ends in .html/.htm, else a PDF."""
    import asyncio

    html = poster_html(event, base, size, standalone=True, logo=logo)
    if output.suffix.lower() in (".html", ".htm"):
        output.write_text(html, encoding="utf-8")
    else:
        output.write_bytes(asyncio.run(poster_pdf(html, size)))
    return output
