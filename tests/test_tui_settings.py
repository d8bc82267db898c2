"""The desk's settings screen (`s`, admin token) driven by Pilot against a real server: every
field round-trips, each refusal shows under its field in French and English, nothing is
saved when one field is bad, the contrast is shown as typed, and a moderator is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from moderator_tui.app import ModeratorApp
from moderator_tui.screens.settings import SettingsScreen
from tests.conftest import EventFixture
from tests.support.desk import running_desk
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.store.events import get_event


async def _until(pilot: Pilot[int], predicate: Callable[[], bool], what: str) -> None:
    """Pause the app until `predicate()` holds (the screen's workers talk to the server)."""
    for _ in range(int(timeout(10) / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def text_of(app: ModeratorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_settings(app: ModeratorApp, pilot: Pilot[int]) -> SettingsScreen:
    await pilot.press("s")
    await _until(pilot, lambda: isinstance(app.screen, SettingsScreen), "the screen")
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    await _until(pilot, lambda: screen.loaded or "admins" in text_of(app, "#settings-message"),
                 "the settings")
    return screen


def fill(screen: SettingsScreen, values: dict[str, str]) -> None:
    for name, value in values.items():
        widget = screen.query_one(f"#f-{name.replace('.', '-').replace('_', '-')}")
        assert isinstance(widget, (Input, Select))
        widget.value = value


async def save(app: ModeratorApp, pilot: Pilot[int], screen: SettingsScreen) -> str:
    before = text_of(app, "#settings-message")
    await pilot.press("ctrl+s")
    await _until(pilot, lambda: text_of(app, "#settings-message") not in (before, "Saving…",
                                                                           "Enregistrement…"),
                 "the answer to the save")
    return text_of(app, "#settings-message")


EVERY_FIELD = {
    "title": "Conseil de quartier", "status": "draft", "languages": "en, fr",
    "mode": "post", "hashtags": "cq20, Belleville", "sources": "mastodon, bluesky",
    "mastodon_instances": "piaille.fr, mastodon.social", "sms_number": "+33757000000",
    "sms_keyword": "mur", "reactions": "clap, heart", "blocked_words": "truc, machin",
    "allowed_words": "con", "links": "block", "frame_ancestors": "https://obs.example.org",
    "theme.dark": "0", "theme.accent": "#1d4ed8", "theme.background": "#fffdf5",
    "theme.text": "#111111", "theme.card": "#ffffff", "timezone": "America/Montreal",
}


async def test_every_field_round_trips(server: ServerProcess, event: EventFixture,
                                       redis: Redis) -> None:
    """Each field typed in the form is saved by one PUT and shown again on reopening."""
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        screen = await open_settings(app, pilot)
        assert screen.query_one("#f-title", Input).value == f"Test {event.slug}"
        # The title typed key by key, as a person does; the others set.
        title = screen.query_one("#f-title", Input)
        title.value = ""
        await pilot.click("#f-title")
        await pilot.press(*"Conseil de quartier")
        fill(screen, {k: v for k, v in EVERY_FIELD.items() if k != "title"})
        said = await save(app, pilot, screen)
        assert said == "Saved: walls and phones use the new settings.", said
        await pilot.press("escape")
        await _until(pilot, lambda: not isinstance(app.screen, SettingsScreen), "closing")
        screen = await open_settings(app, pilot)
        assert screen.values() == {**EVERY_FIELD, "sms_keyword": "MUR"}  # as the server keeps it
    saved = await get_event(redis, event.slug)
    assert saved is not None
    assert (saved.title, saved.status, saved.languages, saved.mode) == \
        ("Conseil de quartier", "draft", ["en", "fr"], "post")
    assert (saved.hashtags, saved.sources, saved.mastodon_instances) == \
        (["cq20", "Belleville"], ["mastodon", "bluesky"], ["piaille.fr", "mastodon.social"])
    assert (saved.sms_number, saved.sms_keyword, saved.reactions) == \
        ("+33757000000", "MUR", ["clap", "heart"])
    assert (saved.blocked_words, saved.allowed_words, saved.links, saved.frame_ancestors) == \
        (["truc", "machin"], ["con"], "block", "https://obs.example.org")
    assert saved.theme == {"dark": "0", "accent": "#1d4ed8", "background": "#fffdf5",
                           "text": "#111111", "card": "#ffffff"}
    assert saved.timezone == "America/Montreal"


BAD: list[tuple[dict[str, str], str, str, str]] = [
    ({"theme.accent": "blue"}, "#e-theme-accent", "not a colour: blue",
     "ce n'est pas une couleur : blue"),
    ({"theme.dark": "0", "theme.background": "#ffffff", "theme.text": "#eeeeee"},
     "#e-theme", "hard to read", "difficiles à lire"),
    ({"sources": "x, myspace"}, "#e-sources", "unknown source: myspace",
     "source inconnue : myspace"),
    ({"sms_number": "06 12 34 56 78"}, "#e-sms-number", "E.164", "E.164"),
    ({"hashtags": "#cq20"}, "#e-hashtags", "without # and without spaces: #cq20",
     "sans # et sans espace : #cq20"),
    ({"hashtags": "conseil quartier"}, "#e-hashtags", "without # and without spaces",
     "sans # et sans espace"),
    ({"timezone": "Montreal"}, "#e-timezone", "unknown time zone: Montreal (an IANA name",
     "fuseau horaire inconnu : Montreal (un nom IANA"),
]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("values", "error", "english", "french"), BAD,
                         ids=[b[1].lstrip("#") + "-" + str(i) for i, b in enumerate(BAD)])
async def test_a_bad_field_is_named_under_it_and_nothing_is_saved(
        server: ServerProcess, event: EventFixture, redis: Redis, lang: str,
        values: dict[str, str], error: str, english: str, french: str) -> None:
    """The server's refusal shows under the field, in the desk's language; the valid title
    typed with it is not saved either."""
    before = await get_event(redis, event.slug)
    async with running_desk(server.url, event.slug, event.admin_token, lang=lang) \
            as (app, pilot):
        screen = await open_settings(app, pilot)
        fill(screen, {"title": "Un nouveau titre", **values})
        said = await save(app, pilot, screen)
        assert said == ("Nothing was saved: correct the fields marked in red, then save "
                        "again." if lang == "en" else "Rien n'a été enregistré : corrigez "
                        "les champs marqués en rouge, puis enregistrez à nouveau."), said
        shown = text_of(app, error)
        assert (english if lang == "en" else french) in shown, shown
        assert screen.query_one(error).display
    assert await get_event(redis, event.slug) == before


@pytest.mark.parametrize(("lang", "warning"), [
    ("en", "below 4.5:1, some text of the wall and the phones would be hard to read"),
    ("fr", "sous 4.5:1, des textes du mur et des téléphones seraient difficiles à lire")])
async def test_contrast_is_shown_as_the_colours_are_typed(
        server: ServerProcess, event: EventFixture, lang: str, warning: str) -> None:
    """Typing a pale text on white shows the server's ratio and a warning before saving;
    a dark text gives a readable ratio."""
    async with running_desk(server.url, event.slug, event.admin_token, lang=lang) \
            as (app, pilot):
        screen = await open_settings(app, pilot)
        fill(screen, {"theme.dark": "0", "theme.background": "#ffffff", "theme.text": ""})
        screen.query_one("#f-theme-text", Input).focus()  # scrolled to, as Tab would
        await pilot.press(*"#eeeeee")
        await _until(pilot, lambda: "1.16:1" in text_of(app, "#contrast"), "the ratio")
        assert warning in text_of(app, "#contrast")
        screen.query_one("#f-theme-text", Input).value = "#111111"
        await _until(pilot, lambda: "1.16" not in text_of(app, "#contrast"), "a new ratio")
        assert ("readable" if lang == "en" else "lisible") in text_of(app, "#contrast")


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "Event settings are for admins only: this desk signed in with a moderator "
           "token."),
    ("fr", "Les réglages de l'événement sont réservés aux admins : ce pupitre est connecté "
           "avec un jeton de modération.")])
async def test_a_moderator_token_is_refused(server: ServerProcess, event: EventFixture,
                                            lang: str, message: str) -> None:
    """A moderator's desk gets the "admins only" message, and no form."""
    async with running_desk(server.url, event.slug, event.token, lang=lang) as (app, pilot):
        screen = await open_settings(app, pilot)
        assert text_of(app, "#settings-message") == message
        assert not screen.loaded and not screen.query_one("#settings-form").display
