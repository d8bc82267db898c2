"""The server goes away mid-session: the desk says so, keeps decisions, resyncs on return."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.desk import post_as, queue_ids, running_desk, settle, until
from tests.support.servers import ServerProcess
from wall.models import Item, new_item_id, utc_now_iso
from wall.moderation.intake import accept
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.store import keys
from wall.store.decisions import decide
from wall.store.events import get_event


@pytest.fixture
def own_server(redis_url: str) -> Iterator[ServerProcess]:
    """A server of this test alone, since the test stops and restarts it."""
    proc = ServerProcess(redis_url=redis_url).start()
    yield proc
    proc.stop()


async def test_server_restart_mid_session_loses_and_doubles_nothing(
        own_server: ServerProcess, redis: Redis) -> None:
    """Offline decisions are sent once on return; the queue is resynchronised."""
    event = await make_event(redis)
    early = await post_as(own_server.url, event.slug, "décidé hors ligne", "A")
    twice = await post_as(own_server.url, event.slug, "réponse perdue", "B")
    async with running_desk(own_server.url, event.slug, event.token) as (app, pilot):
        model = app.session.model
        own_server.stop()
        await until(app, pilot, lambda: model.connection == "reconnecting")
        assert "reconnecting…" in str(app.query_one("#header").render())
        assert model.last_notice and model.last_notice.text == "Connection lost; reconnecting…"

        await pilot.press("a", "a")
        await settle(app, pilot)
        assert [op.item_id for op in app.session.outbox.unsent] == [early, twice]
        assert queue_ids(app) == []
        assert "2 unsent" in str(app.query_one("#header").render())
        await pilot.press("q")
        assert app.is_running, "q must not drop unsent decisions silently"
        assert model.last_notice.text.startswith("2 decision(s) not sent yet")

        # While the server is away: one of our sends had in fact gone through (its answer
        # was lost), and a new message arrives through another way in.
        await decide(redis, event.slug, twice, "approve", by="alice")
        meanwhile = Item(id=new_item_id(), event=event.slug, source="sms", source_id="s1",
                         author="Léa", text="arrivé pendant la coupure",
                         received_at=utc_now_iso())
        found = await get_event(redis, event.slug)
        assert found is not None
        await accept(redis, found, meanwhile)

        own_server.start()
        await until(app, pilot, lambda: model.connection == "connected"
                    and not app.session.outbox.unsent and meanwhile.id in model.queue)
        assert queue_ids(app) == [meanwhile.id]
        assert "reconnecting" not in str(app.query_one("#header").render())
        assert not any(n.level == "error" for n in model.notices)
        assert any(n.text == "2 waiting decision(s) sent." for n in model.notices)

    audit = [f for _, f in await redis.xrange(keys.audit(event.slug))
             if f["id"] in (early, twice)]
    assert sorted((f["id"], f["action"]) for f in audit) == sorted(
        [(early, "approve"), (twice, "approve")])
    assert await redis.hmget(keys.state(event.slug), [early, twice]) == ["approved", "approved"]


async def test_redis_outage_keeps_decisions_until_the_store_is_back(
        tmp_path: Path) -> None:
    """Redis down, server up: a decision gets 503, waits, and is sent once Redis returns."""
    store = EmbeddedRedis(tmp_path / "redis").start()
    proc = ServerProcess(redis_url=store.url).start()
    client = connect(store.url)
    try:
        event = await make_event(client)
        item = await post_as(proc.url, event.slug, "pendant la panne", "A")
        async with running_desk(proc.url, event.slug, event.token) as (app, pilot):
            store.stop()
            await pilot.press("a")
            await settle(app, pilot)
            assert [op.item_id for op in app.session.outbox.unsent] == [item]
            assert app.session.model.connection == "connected"  # only the store is down
            store = EmbeddedRedis(tmp_path / "redis", port=store.port).start()
            await until(app, pilot, lambda: not app.session.outbox.unsent)
            assert await client.hget(keys.state(event.slug), item) == "approved"
            audit = [f for _, f in await client.xrange(keys.audit(event.slug))
                     if f["id"] == item]
            assert [f["action"] for f in audit] == ["approve"]
    finally:
        await client.aclose()
        proc.stop()
        store.stop()
