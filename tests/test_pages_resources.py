"""Themes, QR codes and catalogs behind the pages: validated, served, translated."""

from __future__ import annotations

import re

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from wall.i18n import translations
from wall.paths import resource_dir
from wall.routes.pages import JS_MESSAGES, REACTION_LABELS
from wall.theme import THEME_KEYS, clean_theme, theme_css


@pytest.mark.parametrize("bad", [
    "red", "#12345", "#ggg", "#fff;} body{background:url(//evil)}", "expression(alert(1))",
    "#fff\n}", 123, None, ["#fff"],
])
def test_invalid_colours_never_reach_the_css(bad: object) -> None:
    """Anything but #rgb/#rrggbb is dropped, for every colour key."""
    theme = clean_theme({"accent": bad, "background": bad, "text": bad, "card": bad})
    assert set(theme) == {"dark"}
    assert theme_css(theme) == "/* default theme */\n"


def test_valid_theme_becomes_custom_properties_with_readable_text() -> None:
    """Colours normalised; a dark background gets white text, a light accent black ink."""
    theme = clean_theme({"accent": "#FC0", "background": "#101820", "dark": "0",
                         "logo": "/static/favicon.svg", "unknown": "x"})
    assert theme == {"accent": "#ffcc00", "background": "#101820", "dark": "0",
                     "logo": "/static/favicon.svg"}
    css = theme_css(theme)
    assert "--accent: #ffcc00;" in css and "--on-accent: #000000;" in css
    assert "--bg: #101820;" in css and "--fg: #ffffff;" in css


@pytest.mark.parametrize("logo", ["https://cdn.example/logo.png", "//evil/x.png",
                                  "javascript:alert(1)", "/static/../etc/passwd",
                                  "/a b.png", "data:image/svg+xml,<svg/>"])
def test_logo_must_be_a_path_on_this_server(logo: str) -> None:
    """No outside host, no scheme, no traversal: the wall fetches nothing from outside."""
    assert "logo" not in clean_theme({"logo": logo})


def test_every_theme_key_is_documented() -> None:
    """docs/pages.md lists each theme key the code accepts."""
    doc = (resource_dir("templates").parent / "docs" / "pages.md").read_text()
    for key in THEME_KEYS:
        assert f"`{key}`" in doc, key


def _template_messages() -> set[str]:
    found: set[str] = set()
    for path in resource_dir("templates").glob("*.html"):
        found |= set(re.findall(r"""_\(\s*"([^"]+)"\s*\)""", path.read_text()))
        found |= set(re.findall(r"""_\(\s*'([^']+)'\s*\)""", path.read_text()))
    return found


def test_every_page_string_has_a_french_translation() -> None:
    """Templates, the pages' JavaScript and reaction labels: all in the French catalog."""
    french = translations("fr")
    messages = _template_messages() | set(JS_MESSAGES) | set(REACTION_LABELS.values())
    assert len(messages) > 40
    missing = [m for m in messages if french.gettext(m) == m and m not in ("Question",)]
    assert missing == []


async def test_theme_css_route_serves_only_validated_values(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """/wall/{slug}/theme.css: text/css with the valid colour, never the injected one."""
    ev = await make_event(redis, theme={"accent": "#0a0", "background": "red;}*{x:y"})
    res = await http.get(f"/wall/{ev.slug}/theme.css")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/css")
    assert "--accent: #00aa00;" in res.text and "red" not in res.text and "x:y" not in res.text


async def test_qr_code_is_an_svg_of_the_audience_page(http: httpx.AsyncClient,
                                                      redis: Redis) -> None:
    """/e/{slug}/qr.svg: a standalone SVG drawn on the server; 404 for unknown events."""
    ev = await make_event(redis)
    res = await http.get(f"/e/{ev.slug}/qr.svg")
    assert res.status_code == 200 and res.headers["content-type"] == "image/svg+xml"
    assert res.text.startswith("<svg") and "viewBox" in res.text and "<path" in res.text
    assert (await http.get("/e/nope-nope/qr.svg")).status_code == 404


async def test_pages_carry_no_inline_code_and_escape_the_catalog(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """Wall and phone pages: scripts by src only, the catalog as a JSON data block."""
    ev = await make_event(redis, hashtags=["a</script><script>alert(1)//"])
    for path in (f"/wall/{ev.slug}", f"/e/{ev.slug}"):
        html = (await http.get(path)).text
        scripts = re.findall(r"<script([^>]*)>", html)
        assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts)
        assert "style=" not in html and "<style" not in html
        assert "<script>alert(1)" not in html and "&lt;/script&gt;" in html
