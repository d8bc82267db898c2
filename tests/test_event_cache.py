"""The process's event cache (wall/eventcache.py) against a real Redis: requests that find
an entry stale together wait for one read; a failed read fails them all and the next call
reads again; a caller that gives up does not cancel the others' read."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture
from wall.eventcache import EventCache
from wall.redis_client import connect


async def hgetall_calls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_hgetall", {}).get("calls", 0))


async def test_a_room_finding_the_event_stale_reads_it_once(
        redis: Redis, event: EventFixture) -> None:
    cache = EventCache(redis, max_age=0.2)
    assert (await cache.get(event.slug)) is not None
    await asyncio.sleep(0.25)  # the entry is stale now
    before = await hgetall_calls(redis)
    events = await asyncio.gather(*(cache.get(event.slug) for _ in range(300)))
    after = await hgetall_calls(redis)
    assert {e.slug for e in events if e is not None} == {event.slug}
    assert all(e is events[0] for e in events)
    # One HGETALL for the 300 callers (the commandstats of this test's own reads aside).
    assert after - before == 1


async def test_a_failed_read_fails_its_waiters_and_the_next_call_reads_again(
        redis_url: str, event: EventFixture) -> None:
    down = connect("redis://127.0.0.1:1/0")  # nothing listens there
    cache = EventCache(down)
    results = await asyncio.gather(*(cache.get(event.slug) for _ in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)
    await down.aclose()
    cache.redis = up = connect(redis_url)
    try:
        found = await cache.get(event.slug)
        assert found is not None and found.slug == event.slug
    finally:
        await up.aclose()


async def test_a_caller_giving_up_leaves_the_read_to_the_others(
        redis: Redis, event: EventFixture) -> None:
    cache = EventCache(redis)
    first = asyncio.create_task(cache.get(event.slug))
    second = asyncio.create_task(cache.get(event.slug))
    await asyncio.sleep(0)  # both wait on the one read
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    found = await second
    assert found is not None and found.slug == event.slug


async def test_an_unknown_event_is_not_kept(redis: Redis) -> None:
    cache = EventCache(redis)
    assert await cache.get("no-such-event") is None
    assert await cache.get("no-such-event") is None
    assert "no-such-event" not in cache._entries
