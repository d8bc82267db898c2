"""The room's poster: `clameur poster` prints one A4 (or A3) page whose QR code a phone
reads back as the event's audience URL, in the event's languages, with its SMS number,
hashtags and charter; HTML works without Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.browser import ARTIFACTS, CHROMIUM
from tests.support.cli import clameur
from tests.support.desk import running_desk
from tests.support.qrcodes import decode_image
from tests.support.requires import require_file, require_program
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.models import Event
from wall.poster import charter_lines, poster_html

BASE = "http://192.0.2.10:8000"  # TEST-NET-1: an address the poster may show, never loopback
PAPER = {"a4": "(A4)", "a3": "(A3)"}


def _pdf_to_png(pdf: Path, png_stem: Path) -> Path:
    """The PDF's first page as a PNG, the way a print shop's preview would see it."""
    pdftoppm = require_program("pdftoppm", "poppler-utils")
    subprocess.run([pdftoppm, "-r", "100", "-png", "-singlefile", str(pdf), str(png_stem)],
                   check=True, timeout=timeout(60))
    return png_stem.with_suffix(".png")


def _pdf_info(pdf: Path) -> str:
    pdfinfo = require_program("pdfinfo", "poppler-utils")
    return subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True,
                          timeout=timeout(30)).stdout


@pytest.mark.parametrize("size", ["a4", "a3"])
async def test_poster_pdf_is_one_page_whose_qr_reads_back_as_the_join_url(
        redis: Redis, redis_url: str, tmp_path: Path, size: str) -> None:
    """`clameur poster --size` writes a one-page PDF of that paper; its QR code decodes to
    the event's audience URL."""
    require_file(CHROMIUM, "Chromium", "chromium")
    ev = await make_event(redis, hashtags=["belleville"], sms_number="+33757000000",
                          sms_keyword="MUR")
    pdf = tmp_path / f"poster-{size}.pdf"
    result = clameur("poster", ev.slug, "--output", str(pdf), "--size", size, "--base", BASE,
                     env={"REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr
    info = _pdf_info(pdf)
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert PAPER[size] in info, info
    png = _pdf_to_png(pdf, tmp_path / f"poster-{size}")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / f"poster-{size}.png")
    assert decode_image(png) == [f"{BASE}/e/{ev.slug}"]


async def test_poster_html_needs_no_chromium_and_the_pdf_says_what_is_missing(
        redis: Redis, redis_url: str, tmp_path: Path) -> None:
    """Without Chromium, an .html poster is written and a PDF fails with a clear message."""
    ev = await make_event(redis)
    env = {"REDIS_URL": redis_url, "CLAMEUR_CHROMIUM": str(tmp_path / "no-chromium")}
    html = tmp_path / "poster.html"
    written = clameur("poster", ev.slug, "--output", str(html), "--base", BASE, env=env)
    assert written.returncode == 0, written.stderr
    assert f"{BASE.split('://')[1]}/e/{ev.slug}" in html.read_text()
    refused = clameur("poster", ev.slug, "--output", str(tmp_path / "p.pdf"), "--base", BASE,
                      env=env)
    assert refused.returncode == 3
    assert "Chromium is needed" in refused.stderr and ".html" in refused.stderr
    assert not (tmp_path / "p.pdf").exists()
    unknown = clameur("poster", "no-such-event", "--base", BASE, env=env)
    assert unknown.returncode == 2 and "no event" in unknown.stderr


def test_poster_speaks_the_events_languages_with_its_sms_hashtags_and_charter() -> None:
    """French first and English after for a fr+en event; only English for an English one;
    the organiser's charter lines, SMS number, keyword and hashtags are all on it."""
    ev = Event(slug="cq", title="Conseil <de> quartier", hashtags=["cq20", "belleville"],
               sms_number="+33757000000", sms_keyword="MUR", languages=["fr", "en"],
               charter={"fr": "Respect.\n\nPas d'attaque.\nPas de pub.\nQuatrième.",
                        "en": "Respect."})
    html = poster_html(ev, BASE, standalone=False)
    assert html.index("Comment participer") < html.index("How to take part")
    assert "Scannez le QR code avec votre téléphone." in html
    assert "Conseil &lt;de&gt; quartier" in html
    for text in ("+33757000000", "MUR", "#cq20", "#belleville", "192.0.2.10:8000/e/cq"):
        assert text in html
    assert charter_lines(ev, "fr") == ["Respect.", "Pas d'attaque.", "Pas de pub."]
    assert "Quatrième" not in html
    assert 'href="/static/poster.css"' in html and "<script" not in html
    assert " style=" not in html and "<style" not in html
    english = poster_html(Event(slug="cq", title="T", languages=["en"]), BASE)
    assert "How to take part" in english and "Comment participer" not in english
    assert "<html lang=\"en\"" in english and "<script" not in english


@pytest.fixture(name="public_server")
def public_server_fixture(redis_url: str) -> Iterator[ServerProcess]:
    """A server whose audience pages are at BASE (CLAMEUR_PUBLIC_URL), as behind a proxy."""
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_PUBLIC_URL": BASE}).start()
    yield proc
    proc.stop()


async def test_the_desk_saves_the_posters_pdf_whose_qr_is_the_join_url(
        redis: Redis, public_server: ServerProcess, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`P` then `4` on a moderator's desk: `GET /poster` prints a one-page A4 PDF, saved in
    the current folder and named in the notice; its QR code decodes to the join URL. The
    route wants a token of the event."""
    require_file(CHROMIUM, "Chromium", "chromium")
    ev = await make_event(redis, sms_number="+33757000000", sms_keyword="MUR")
    monkeypatch.chdir(tmp_path)
    async with running_desk(public_server.url, ev.slug, ev.token) as (app, pilot):
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("4")
        pdf = tmp_path / f"poster-{ev.slug}-a4.pdf"
        for _ in range(int(timeout(60) / 0.1)):
            notice = app.session.model.last_notice
            if notice and notice.text.startswith("Poster saved"):
                break
            await pilot.pause(0.1)
        assert notice is not None and notice.text == \
            f"Poster saved: {pdf} (A4, one page to print).", notice
    info = _pdf_info(pdf)
    assert re.search(r"^Pages:\s+1$", info, re.M) and PAPER["a4"] in info, info
    png = _pdf_to_png(pdf, tmp_path / "desk-poster")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "poster-from-desk-a4.png")
    assert decode_image(png) == [f"{BASE}/e/{ev.slug}"]
    async with httpx.AsyncClient(base_url=public_server.url, timeout=timeout()) as client:
        url = f"/api/events/{ev.slug}/poster"
        assert (await client.get(url)).status_code == 401
        html = await client.get(url, params={"size": "a3", "format": "html"},
                                headers=ev.auth)
        assert html.status_code == 200 and html.headers["content-type"].startswith(
            "text/html") and f"192.0.2.10:8000/e/{ev.slug}" in html.text
        bad = await client.get(url, params={"size": "a5"}, headers=ev.auth)
        assert bad.status_code == 422
