"""The moderation desk under test: a real ModeratorApp on a real server, and helpers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
from textual.pilot import Pilot

from moderator_tui import i18n
from moderator_tui.ages import system_clock
from moderator_tui.app import ModeratorApp
from moderator_tui.config import DeskConfig
from tests.support.timing import timeout


@contextlib.asynccontextmanager
async def running_desk(url: str, slug: str, token: str, size: tuple[int, int] = (120, 36),
                       lang: str = "en", clock: Callable[[], datetime] = system_clock,
                       **options: Any) -> AsyncIterator[tuple[ModeratorApp, Pilot[int]]]:
    """The desk, connected and loaded (queue, event title); `options` are `DeskConfig`'s
    (audience_url, stops_wall, spool_dir)."""
    i18n.use(lang)
    app = ModeratorApp(DeskConfig(url, token, slug, lang, **options), clock=clock)
    async with app.run_test(size=size) as pilot:
        model = app.session.model
        await app.session.wait_for(lambda: model.connection == "connected" and
                                   bool(model.title), timeout())
        await pilot.pause()
        yield app, pilot


async def settle(app: ModeratorApp, pilot: Pilot[int]) -> None:
    """Every key's job done and the screen redrawn."""
    await app.desk.jobs.join()
    await pilot.pause()


async def until(app: ModeratorApp, pilot: Pilot[int], predicate: Callable[[], bool]) -> None:
    """Wait for the session to reach `predicate`, then for the redraw."""
    await app.session.wait_for(predicate, timeout())
    await pilot.pause()


async def post_as(base_url: str, slug: str, text: str, author: str = "",
                  device: httpx.AsyncClient | None = None) -> str:
    """Post from a phone (a fresh device unless one is given); the item id."""
    async with contextlib.AsyncExitStack() as stack:
        client = device or await stack.enter_async_context(
            httpx.AsyncClient(base_url=base_url, timeout=timeout()))
        res = await client.post(f"/api/events/{slug}/posts",
                                json={"text": text, "author": author})
        assert res.status_code == 202, res.text
        return str(res.json()["id"])


def queue_ids(app: ModeratorApp) -> list[str]:
    """The ids the queue list shows, top to bottom."""
    lst = app.query_one("#queue")
    return [str(o.id) for o in lst.options]  # type: ignore[attr-defined]


def shown_text(app: ModeratorApp, selector: str) -> list[str]:
    """The plain text of every entry of an item list."""
    lst: Any = app.query_one(selector)
    return [str(o.prompt.plain) for o in lst.options]
