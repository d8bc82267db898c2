"""The logo file in the desk's settings screen (`s`, admin) against a real server: a path
typed and saved → the server serves that very file and the wall's theme points at it; a
path to nothing, a file too big or not an image is refused in French and English before
anything is sent; a refused field sends no logo; "Remove the logo" takes it away."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image
from redis.asyncio import Redis
from textual.widgets import Button, Input

from tests.conftest import EventFixture
from tests.support.desk import running_desk
from tests.support.servers import ServerProcess
from tests.test_tui_settings import _until, fill, open_settings, save, text_of
from wall.store import keys
from wall.store.events import get_event

SAVED = "Saved: walls and phones use the new settings."
NOTHING = {"en": "Nothing was saved: correct the fields marked in red, then save again.",
           "fr": "Rien n'a été enregistré : corrigez les champs marqués en rouge, puis "
                 "enregistrez à nouveau."}


def png(path: Path, colour: str = "#1f5fbf") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 64), colour).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return out.getvalue()


async def served(server: ServerProcess, slug: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        return await http.get(f"/e/{slug}/logo")


async def test_a_png_typed_as_a_path_is_sent_on_saving_and_served(
        server: ServerProcess, event: EventFixture, redis: Redis, tmp_path: Path) -> None:
    """Type the path, Ctrl+S: the server serves the file's bytes, the theme points at it,
    the field empties and the screen says a logo file is shown; the colours stay."""
    body = png(tmp_path / "logo.png")
    async with running_desk(server.url, event.slug, event.admin_token, size=(80, 24)) \
            as (app, pilot):
        screen = await open_settings(app, pilot)
        assert text_of(app, "#logo-now") == "Now: no logo."
        assert not screen.query_one("#logo-remove").display
        field = screen.query_one("#f-logo-file", Input)
        field.focus()  # scrolled to, as Tab would
        await pilot.press(*str(tmp_path / "logo.png"))
        fill(screen, {"theme.dark": "0", "theme.accent": "#1d4ed8"})
        said = await save(app, pilot, screen)
        assert said == SAVED, said
        assert field.value == ""
        assert text_of(app, "#logo-now") == ("Now: the logo file sent earlier is shown in "
                                             "the wall's header.")
        assert screen.query_one("#logo-remove").display
    res = await served(server, event.slug)
    assert res.status_code == 200 and res.content == body
    assert res.headers["content-type"] == "image/png"
    saved = await get_event(redis, event.slug)
    assert saved is not None
    assert saved.theme["logo"].startswith(f"/e/{event.slug}/logo?v=")
    assert saved.theme["accent"] == "#1d4ed8"


def _cases(tmp: Path) -> dict[str, tuple[str, str, str]]:
    """name → (path typed, English message, French message)."""
    (tmp / "big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024))
    (tmp / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    (tmp / "notes.txt").write_text("pas une image")
    return {
        "missing": (str(tmp / "nowhere.png"), "No file at this path:",
                    "Aucun fichier à cet emplacement :"),
        "folder": (str(tmp), "This is a folder, not a file:", "C'est un dossier, pas un"),
        "too-big": (str(tmp / "big.png"), "larger than 512 KB", "dépasse 512 Ko"),
        "svg": (str(tmp / "logo.svg"), "SVG is refused", "Le SVG est refusé"),
        "text": (str(tmp / "notes.txt"), "not a PNG, JPEG or WebP image",
                 "n'est pas une image PNG, JPEG ou WebP"),
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("case", ["missing", "folder", "too-big", "svg", "text"])
async def test_a_path_that_is_no_logo_is_named_under_the_field_and_nothing_is_saved(
        server: ServerProcess, event: EventFixture, redis: Redis, tmp_path: Path,
        lang: str, case: str) -> None:
    """The reason shows under "Logo file" in the desk's language; the title typed with it
    is not saved and the server holds no logo."""
    path, english, french = _cases(tmp_path)[case]
    before = await get_event(redis, event.slug)
    async with running_desk(server.url, event.slug, event.admin_token, lang=lang) \
            as (app, pilot):
        screen = await open_settings(app, pilot)
        screen.query_one("#f-title", Input).value = "Un autre titre"
        screen.query_one("#f-logo-file", Input).value = path
        said = await save(app, pilot, screen)
        assert said == NOTHING[lang], said
        shown = text_of(app, "#e-logo-file")
        assert (english if lang == "en" else french) in shown, shown
        assert screen.query_one("#e-logo-file").display
    assert await get_event(redis, event.slug) == before
    assert not await redis.exists(keys.logo(event.slug))


async def test_a_refused_field_sends_no_logo(server: ServerProcess, event: EventFixture,
                                             redis: Redis, tmp_path: Path) -> None:
    """A bad colour with a good logo: the colour is named, and no logo reaches the server
    (the other fields are checked before the file is sent)."""
    png(tmp_path / "logo.png")
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        screen = await open_settings(app, pilot)
        screen.query_one("#f-theme-accent", Input).value = "blue"
        screen.query_one("#f-logo-file", Input).value = str(tmp_path / "logo.png")
        said = await save(app, pilot, screen)
        assert said == NOTHING["en"], said
        assert "not a colour: blue" in text_of(app, "#e-theme-accent")
    assert not await redis.exists(keys.logo(event.slug))


async def test_remove_the_logo_takes_effect_on_saving(
        server: ServerProcess, event: EventFixture, redis: Redis, tmp_path: Path) -> None:
    """A logo sent, then "Remove the logo" and Ctrl+S: the server serves none and the theme
    has none; before saving, nothing changed."""
    png(tmp_path / "logo.png")
    async with running_desk(server.url, event.slug, event.admin_token, lang="fr") \
            as (app, pilot):
        screen = await open_settings(app, pilot)
        screen.query_one("#f-logo-file", Input).value = str(tmp_path / "logo.png")
        await save(app, pilot, screen)
        assert (await served(server, event.slug)).status_code == 200
        button = screen.query_one("#logo-remove", Button)
        button.focus()
        await pilot.press("enter")
        await _until(pilot, lambda: screen.remove_logo, "the button")
        assert text_of(app, "#logo-now") == "Le logo sera retiré à l'enregistrement."
        assert str(button.label) == "Garder le logo"
        assert (await served(server, event.slug)).status_code == 200
        await pilot.press("ctrl+s")  # the message says "Enregistré" again: wait for the line
        await _until(pilot, lambda: text_of(app, "#logo-now") == "Actuellement : pas de logo.",
                     "the logo's line")
        said = text_of(app, "#settings-message")
        assert said == "Enregistré : murs et téléphones utilisent les nouveaux réglages.", said
    assert (await served(server, event.slug)).status_code == 404
    saved = await get_event(redis, event.slug)
    assert saved is not None and "logo" not in saved.theme
