"""Several moderators at once: each desk sees the others' decisions, races end cleanly."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.desk import post_as, queue_ids, running_desk, settle, until
from tests.support.servers import ServerProcess
from wall.store import keys
from wall.store.tokens import create_token


async def test_a_decision_in_one_desk_shows_in_the_other(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """Alice approves: the item leaves Bob's queue with a notice naming Alice."""
    bob, _ = await create_token(redis, event.slug, "moderator", label="bob")
    first = await post_as(server.url, event.slug, "Question sur le budget", "Camille")
    second = await post_as(server.url, event.slug, "Autre question", "Ana")
    async with running_desk(server.url, event.slug, event.token) as (alice_app, alice), \
            running_desk(server.url, event.slug, bob) as (bob_app, bob_pilot):
        assert queue_ids(bob_app) == [first, second]
        await alice.press("a")
        await settle(alice_app, alice)
        model = bob_app.session.model
        await until(bob_app, bob_pilot, lambda: first not in model.queue)
        assert queue_ids(bob_app) == [second]
        assert model.last_notice is not None
        assert model.last_notice.text == "«Question sur le budget» (Camille) approved by alice"
        await until(bob_app, bob_pilot, lambda: bool(model.wall.get("recent")))
        assert model.counters["moderators"] in (1, 2)
        await until(bob_app, bob_pilot, lambda: model.counters.get("moderators") == 2)
        assert "moderators 2" in str(bob_app.query_one("#header").render())


async def test_two_desks_deciding_one_item_at_once(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """Approve and reject at the same moment: one wins, the other is told who, no error."""
    bob, _ = await create_token(redis, event.slug, "moderator", label="bob")
    item = await post_as(server.url, event.slug, "Disputé", "Camille")
    async with running_desk(server.url, event.slug, event.token) as (alice_app, alice), \
            running_desk(server.url, event.slug, bob) as (bob_app, bob_pilot):
        await asyncio.gather(alice.press("a"), bob_pilot.press("r"))
        await asyncio.gather(settle(alice_app, alice), settle(bob_app, bob_pilot))
        audit = [f for _, f in await redis.xrange(keys.audit(event.slug)) if f["id"] == item]
        assert len(audit) == 1, audit
        winner = audit[0]["by"]
        assert (audit[0]["action"], winner) in (("approve", "alice"), ("reject", "bob"))
        loser_app, loser = (bob_app, bob_pilot) if winner == "alice" else (alice_app, alice)
        model = loser_app.session.model
        await until(loser_app, loser, lambda: model.last_notice is not None)
        text = model.last_notice.text
        assert winner in text and "Unexpected" not in text
        for app in (alice_app, bob_app):
            assert queue_ids(app) == []
            assert not any(n.level == "error" for n in app.session.model.notices)
