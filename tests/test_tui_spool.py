"""Decisions the desk could not deliver survive quitting: kept in the data directory (0600),
sent exactly once at the next start, the file removed once they are through."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.desk import post_as, queue_ids, running_desk, settle, until
from tests.support.servers import ServerProcess
from wall.store.decisions import decide
from wall.store.exports import audit_entries


@pytest.fixture
def own_server(redis_url: str) -> Iterator[ServerProcess]:
    """A server of this test alone, since the test stops and restarts it."""
    proc = ServerProcess(redis_url=redis_url).start()
    yield proc
    proc.stop()


async def _decisions(redis: Redis, slug: str) -> list[tuple[str, str, str]]:
    """(item, action, by) of every recorded decision, oldest first."""
    return [(f["id"], f["action"], f["by"]) for _, f in await audit_entries(redis, slug)]


async def test_unsent_decisions_survive_quitting_and_are_sent_once_at_the_next_start(
        own_server: ServerProcess, redis: Redis, tmp_path: Path) -> None:
    """Server away, two approvals wait; quit; one had in fact gone through; next start: each
    item approved once, the file gone; a third start sends nothing."""
    event = await make_event(redis)
    first = await post_as(own_server.url, event.slug, "décidé hors ligne", "A")
    second = await post_as(own_server.url, event.slug, "réponse perdue", "B")
    desk = {"spool_dir": str(tmp_path / "var")}
    async with running_desk(own_server.url, event.slug, event.token, **desk) as (app, pilot):
        model = app.session.model
        await until(app, pilot, lambda: len(model.queue) == 2)
        own_server.stop()
        await until(app, pilot, lambda: model.connection == "reconnecting")
        await pilot.press("a", "a")
        await settle(app, pilot)
        assert [op.item_id for op in app.session.outbox.unsent] == [first, second]
        await pilot.press("q", "q")  # the second q quits: they are kept
    kept = list((tmp_path / "var").glob("desk-outbox-*.json"))
    assert len(kept) == 1
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    body = json.loads(kept[0].read_text())
    assert [(op["item_id"], op["action"]) for op in body["ops"]] == [
        (first, "approve"), (second, "approve")]

    # One send had got through before the server went away (its answer was lost).
    await decide(redis, event.slug, second, "approve", by="alice")
    own_server.start()
    async with running_desk(own_server.url, event.slug, event.token, **desk) as (app, pilot):
        model = app.session.model
        await until(app, pilot, lambda: not app.session.outbox.unsent
                    and model.outbox_size == 0)
        assert queue_ids(app) == []
        assert not any(n.level == "error" for n in model.notices)
    assert not kept[0].exists()
    assert sorted(await _decisions(redis, event.slug)) == [
        (first, "approve", "alice"), (second, "approve", "alice")]

    async with running_desk(own_server.url, event.slug, event.token, **desk) as (app, pilot):
        await settle(app, pilot)
        assert not app.session.outbox.unsent
    assert len(await _decisions(redis, event.slug)) == 2


async def test_another_token_never_sends_the_kept_decisions(
        own_server: ServerProcess, redis: Redis, tmp_path: Path) -> None:
    """A desk opened with another token on the same data directory leaves the file alone."""
    event = await make_event(redis)
    item = await post_as(own_server.url, event.slug, "à garder", "A")
    desk = {"spool_dir": str(tmp_path)}
    async with running_desk(own_server.url, event.slug, event.token, **desk) as (app, pilot):
        own_server.stop()
        await until(app, pilot, lambda: app.session.model.connection == "reconnecting")
        await pilot.press("a", "q", "q")
    own_server.start()
    async with running_desk(own_server.url, event.slug, event.admin_token, **desk) as (
            app, pilot):
        await until(app, pilot, lambda: item in app.session.model.queue)
        assert not app.session.outbox.unsent
    assert len(list(tmp_path.glob("desk-outbox-*.json"))) == 1
    assert await _decisions(redis, event.slug) == []
