"""Lua scripts are called by SHA1 (EVALSHA) and reloaded when Redis has forgotten them."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import approved
from wall.store import keys
from wall.store.inbox import _INSERT_SCRIPT


async def test_posts_and_decisions_survive_a_script_flush(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """After SCRIPT FLUSH (as after a Redis restart) the next post and approval reload them."""
    first = await approved(http, event.slug, "avant", event.token)
    assert (await redis.script_exists(_INSERT_SCRIPT.sha)) == [True]
    await redis.script_flush()
    second = await approved(http, event.slug, "après", event.token)
    assert (await redis.script_exists(_INSERT_SCRIPT.sha)) == [True]
    feed = await redis.xrange(keys.feed(event.slug))
    assert [fields["id"] for _, fields in feed] == [first, second]
