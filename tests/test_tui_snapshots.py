"""What a moderator sees (SVG snapshots) on a laptop terminal and a small one.

Fixed data, a fixed clock: the items are stored with set ids and times through the real
intake, the app talks to a real server, and ages are computed from an injected "now"; the
event's time zone is set (Europe/Paris), so item times read the same on any machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot

from moderator_tui import i18n
from moderator_tui.app import ModeratorApp
from moderator_tui.config import DeskConfig
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.models import Event, Item
from wall.moderation.intake import accept
from wall.redis_client import connect
from wall.store import keys
from wall.store.decisions import decide
from wall.store.events import create_event, delete_event
from wall.store.tokens import create_token

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]
NOW = datetime(2026, 11, 26, 18, 5, tzinfo=UTC)
ITEMS = [  # source, author, text, minute received, media
    ("sms", "Léa", "Quand le tramway arrivera-t-il enfin dans le quartier Nord ? Cela fait "
                   "trois mandats qu'on nous le promet.", 1, 0),
    ("mastodon", "@jules@piaille.fr", "Merci pour la traduction en langue des signes 👏", 2, 1),
    ("web", "", "[b]Pas de markup ici[/b] <script>alert(1)</script>", 3, 0),
    ("bluesky", "nora.bsky.social", "Quel budget pour les écoles l'an prochain ?", 4, 0),
    ("web", "Marc", "Bravo aux bénévoles !", 0, 0),
    ("sms", "Yves", "Le micro de la salle ne marche pas", 0, 0),
    ("x", "@troll", "spam spam", 0, 0),
]


def fixed_clock() -> datetime:
    return NOW


async def _seed(redis_url: str, slug: str, role: str = "moderator") -> str:
    """A debate in progress: four pending, one pinned, one highlighted, one rejected."""
    redis = connect(redis_url)
    try:
        await delete_event(redis, slug)
        await redis.delete(keys.moderators(slug))
        # The zone set, not left to the default: the detail pane's "19:01:00 CET".
        event = await create_event(redis, Event(slug=slug,
                                                title="Débat municipal — Quartier Nord",
                                                timezone="Europe/Paris"))
        token, _ = await create_token(redis, slug, role, label="alice")
        for n, (source, author, text, minute, media) in enumerate(ITEMS):
            item = Item(id=f"i{n}", event=slug, source=source, source_id=f"s{n}",
                        author=author, text=text, received_at=f"2026-11-26T18:0{minute}:00Z",
                        media=[{"url": "https://piaille.fr/media/affiche.jpg"}] * media,
                        author_key=f"{source}:{n}", url=f"https://piaille.fr/@jules/{n}"
                        if source == "mastodon" else None)
            await accept(redis, event, item)
        await redis.hset(keys.authors(slug), mapping={"sms:0|approved": "3",
                                                      "sms:0|rejected": "1"})
        for item_id, action in (("i4", "approve"), ("i4", "pin"), ("i5", "approve"),
                                ("i5", "highlight"), ("i6", "reject")):
            await decide(redis, slug, item_id, action, by="bob")
        return token
    finally:
        await redis.aclose()


def _desk(server: ServerProcess, redis_url: str, slug: str, lang: str = "en",
          role: str = "moderator", stops_wall: bool = False) -> ModeratorApp:
    token = asyncio.run(_seed(redis_url, slug, role))
    i18n.use(lang)
    # A fixed audience URL: the header shows it, and the test server's port changes.
    return ModeratorApp(DeskConfig(server.url, token, slug, lang,
                                   audience_url=f"http://192.0.2.10:8000/e/{slug}",
                                   stops_wall=stops_wall),
                        clock=fixed_clock)


def _loaded(app: ModeratorApp) -> Callable[[], bool]:
    model = app.session.model

    def ready() -> bool:
        return (model.connection == "connected" and bool(model.title)
                and model.counters.get("moderators") == 1 and len(model.queue) == 4
                and (model.wall.get("pinned") or {}).get("id") == "i4"
                and "sms:0" in model.authors)
    return ready


async def _wait_loaded(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, ModeratorApp)
    await app.session.wait_for(_loaded(app), timeout(10))
    await pilot.pause()


@pytest.fixture
def own_server(redis_url: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(redis_url=redis_url).start()
    yield proc
    proc.stop()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Callable[..., bool], server: ServerProcess, redis_url: str,
                     size: tuple[int, int]) -> None:
    """Queue, detail with the author's history, the wall pane, header counters, footer."""
    app = _desk(server, redis_url, f"snap-main-{size[0]}")
    assert snap_compare(app, terminal_size=size, run_before=_wait_loaded)


def test_main_screen_in_french_on_a_small_terminal(snap_compare: Callable[..., bool],
                                                    server: ServerProcess,
                                                    redis_url: str) -> None:
    """The French desk still fits 80×24."""
    app = _desk(server, redis_url, "snap-main-fr", lang="fr")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_wait_loaded)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: Callable[..., bool], server: ServerProcess, redis_url: str,
                     size: tuple[int, int]) -> None:
    """`?` lists every key."""
    app = _desk(server, redis_url, f"snap-help-{size[0]}")
    assert snap_compare(app, terminal_size=size, run_before=_wait_loaded,
                        press=["question_mark"])


@pytest.mark.parametrize("size", SIZES)
def test_reconnecting_state(snap_compare: Callable[..., bool], own_server: ServerProcess,
                            redis_url: str, size: tuple[int, int]) -> None:
    """Server gone: header says reconnecting, a decision waits as "1 unsent"."""
    app = _desk(own_server, redis_url, f"snap-lost-{size[0]}")

    async def lose_the_server(pilot: Pilot[int]) -> None:
        await _wait_loaded(pilot)
        own_server.stop()
        model = app.session.model
        await app.session.wait_for(lambda: model.connection == "reconnecting", timeout(10))
        await pilot.press("a")
        await app.desk.jobs.join()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=lose_the_server)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_quit_question_of_clameur_up_with_every_admin_key(
        snap_compare: Callable[..., bool], server: ServerProcess, redis_url: str,
        lang: str) -> None:
    """Under `clameur up`, an admin at 80×24: every key (mode and open/close too) on two
    lines, and `q` asks before stopping the wall, saying what stops."""
    app = _desk(server, redis_url, f"snap-quit-{lang}", lang=lang, role="admin",
                stops_wall=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_wait_loaded, press=["q"])
