"""The desk at 80×24: every key in the key bar, the counters in the header (also while
reconnecting), the audience URL; an admin opens and closes the event from the desk."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis
from textual.widgets import Static

from moderator_tui.app import ModeratorApp
from moderator_tui.screens.confirm import ConfirmScreen
from moderator_tui.screens.desk import ADMIN_ACTIONS, DeskScreen
from tests.conftest import EventFixture, make_event
from tests.support.desk import running_desk, settle, until
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.store.events import get_event, update_event

JOIN = "http://192.0.2.10:8000/e/salle"


@pytest.fixture
def own_server(redis_url: str) -> Iterator[ServerProcess]:
    """A server of this test alone, since the test stops it."""
    proc = ServerProcess(redis_url=redis_url).start()
    yield proc
    proc.stop()


def _text(app: ModeratorApp, selector: str) -> str:
    widget = app.query_one(selector, Static)
    return str(widget.render())


def _labels(lang: str) -> list[str]:
    """`key label` of every key the footer must show, in `lang`."""
    from moderator_tui import i18n

    i18n.use(lang)
    display = {"question_mark": "?", "slash": "/"}
    return [f"{display.get(b.key, b.key)} {i18n._(b.description)}" for b in DeskScreen.BINDINGS
            if b.show]


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_every_key_and_the_counters_show_at_80x24(
        own_server: ServerProcess, redis: Redis, lang: str) -> None:
    """At 80×24, in both languages: each shown key with its label, on two lines at most,
    inside the screen; the counters and the audience URL in the header; still there while
    reconnecting."""
    event = await make_event(redis)
    async with running_desk(own_server.url, event.slug, event.admin_token, size=(80, 24),
                            lang=lang, audience_url=JOIN) as (app, pilot):
        await until(app, pilot, lambda: app.session.model.role == "admin")
        keys = app.query_one("#keys", Static)
        shown = _text(app, "#keys")
        for label in _labels(lang):
            assert label in shown.replace("\n", "  "), f"{label!r} not in {shown!r}"
        assert all(len(line) <= 78 for line in shown.splitlines())
        assert len(shown.splitlines()) <= 2
        assert keys.region.bottom <= 24 and keys.region.height == len(shown.splitlines())
        header = _text(app, "#header").splitlines()
        pending = "pending 0" if lang == "en" else "en attente 0"
        assert len(header) == 3 and pending in header[1] and JOIN in header[2]

        own_server.stop()
        model = app.session.model
        await until(app, pilot, lambda: model.connection == "reconnecting")
        await pilot.press("a")  # nothing to decide: only a notice
        await settle(app, pilot)
        header = _text(app, "#header").splitlines()
        assert pending in header[1] and JOIN in header[2]
        assert ("reconnecting…" if lang == "en" else "reconnexion…") in header[0]
        assert app.query_one("#header").region.height == 3


async def test_a_long_title_is_shortened_never_the_states(server: ServerProcess,
                                                         redis: Redis) -> None:
    """A title longer than the line: cut with "…", the connection and mode stay visible."""
    event = await make_event(redis)
    await update_event(redis, event.slug, {"title": "Conseil municipal extraordinaire de la "
                                                    "commune nouvelle — budget participatif"})
    async with running_desk(server.url, event.slug, event.token, size=(80, 24)) as (app, _):
        first = _text(app, "#header").splitlines()[0]
        assert "…" in first and "● connected" in first and "mode: pre" in first
        assert len(first) <= 78


async def test_a_moderator_token_sees_no_admin_keys(server: ServerProcess,
                                                    event: EventFixture) -> None:
    """Mode and open/close are admin actions: not in a moderator's key bar."""
    async with running_desk(server.url, event.slug, event.token, size=(80, 24)) as (app, pilot):
        await until(app, pilot, lambda: app.session.model.role == "moderator")
        shown = _text(app, "#keys")
        assert "m mode" not in shown and "e open/close" not in shown and "q quit" in shown
        assert ADMIN_ACTIONS == {"mode", "event_status"}


async def test_an_admin_closes_and_reopens_the_event_from_the_desk(
        server: ServerProcess, redis: Redis, event: EventFixture) -> None:
    """`e` asks first; `n` changes nothing; `y` closes (phones refused, header says so);
    `e` `y` opens again (phones accepted)."""
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot), \
            httpx.AsyncClient(base_url=server.url, timeout=timeout()) as phone:
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("Close the event?")
        await pilot.press("n")
        await settle(app, pilot)
        assert (await get_event(redis, event.slug)).status == "open"  # type: ignore[union-attr]

        await pilot.press("e", "y")
        await settle(app, pilot)
        assert (await get_event(redis, event.slug)).status == "closed"  # type: ignore[union-attr]
        assert "event closed" in _text(app, "#header")
        assert app.session.model.last_notice.text == \
            "The event is closed: nothing new is taken in."  # type: ignore[union-attr]
        refused = await phone.post(f"/api/events/{event.slug}/posts", json={"text": "trop tard"})
        assert refused.status_code == 403

        await pilot.press("e")
        assert app.screen.question.startswith("Open the event?")  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(app, pilot)
        assert (await get_event(redis, event.slug)).status == "open"  # type: ignore[union-attr]
        assert "event closed" not in _text(app, "#header")
        accepted = await phone.post(f"/api/events/{event.slug}/posts", json={"text": "encore"})
        assert accepted.status_code == 202


async def test_french_desk_confirms_with_o_for_oui(server: ServerProcess, redis: Redis,
                                                   event: EventFixture) -> None:
    """The French question says "o : oui": `o` answers yes."""
    async with running_desk(server.url, event.slug, event.admin_token, lang="fr") as (app, pilot):
        await pilot.press("e")
        assert app.screen.question.startswith("Clore l'événement ?")  # type: ignore[attr-defined]
        await pilot.press("o")
        await settle(app, pilot)
        assert (await get_event(redis, event.slug)).status == "closed"  # type: ignore[union-attr]


async def test_a_moderator_token_cannot_close_the_event(server: ServerProcess, redis: Redis,
                                                        event: EventFixture) -> None:
    """The server refuses a moderator token: the desk says why, the event stays open."""
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("e", "y")
        await settle(app, pilot)
        await until(app, pilot, lambda: app.session.model.last_notice is not None
                    and app.session.model.last_notice.level == "error")
        assert app.session.model.last_notice.text == \
            "Only an admin token can open or close the event."  # type: ignore[union-attr]
        assert (await get_event(redis, event.slug)).status == "open"  # type: ignore[union-attr]


async def test_under_clameur_up_q_asks_before_stopping_the_wall(server: ServerProcess,
                                                                event: EventFixture) -> None:
    """`stops_wall`: q (and Ctrl+Q) ask and say what stops; n keeps the desk; y quits."""
    async with running_desk(server.url, event.slug, event.admin_token,
                            stops_wall=True) as (app, pilot):
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question
        assert question.startswith("Quit and stop the wall for everyone?")
        assert "projected wall" in question and "SMS" in question
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+q")  # asked once, not twice
        assert len(app.screen_stack) == 2
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running and app.return_value == 0
