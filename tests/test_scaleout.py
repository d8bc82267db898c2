"""Several `clameur serve` processes on one Redis: every wall gets every item once, and
reaction totals from all processes add up exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.scaleout import (
    NO_LIMITS,
    check_a_wall_can_resume_on_another_process,
    check_closing_on_one_process_stops_taps_on_all,
    check_every_wall_gets_every_item_once,
    check_reaction_totals_are_exact,
)
from tests.support.servers import ServerProcess


@pytest.fixture(scope="module")
def servers(redis_url: str) -> Iterator[list[ServerProcess]]:
    """Three real server processes sharing the session's Redis."""
    started: list[ServerProcess] = []
    try:
        for _ in range(3):
            started.append(ServerProcess(redis_url=redis_url, env=NO_LIMITS).start())
        yield started
    finally:
        for proc in started:
            proc.stop()


async def test_walls_on_every_process_receive_every_item_once(
        servers: list[ServerProcess], redis: Redis) -> None:
    """Items approved through any process reach walls on all three, once each, in order."""
    await check_every_wall_gets_every_item_once(servers, await make_event(redis))


async def test_reaction_totals_from_every_process_are_summed_exactly(
        servers: list[ServerProcess], redis: Redis) -> None:
    """Taps sent to three processes (WebSocket and HTTP) add up exactly everywhere."""
    await check_reaction_totals_are_exact(servers, await make_event(redis), redis)


async def test_a_process_joining_late_starts_from_the_stored_totals(
        servers: list[ServerProcess], redis: Redis) -> None:
    """A wall on a process that had no listener yet starts from Redis's totals, then adds."""
    event = await make_event(redis)
    await check_reaction_totals_are_exact(servers[:1], event, redis)
    await check_reaction_totals_are_exact(servers[1:], event, redis)


async def test_a_wall_resumes_on_another_process_without_gap_or_duplicate(
        servers: list[ServerProcess], redis: Redis) -> None:
    """Left process 1, back on process 3 with ?after=: exactly the missed items, then live."""
    await check_a_wall_can_resume_on_another_process(servers, await make_event(redis))


async def test_closing_through_one_process_stops_taps_on_every_process(
        servers: list[ServerProcess], redis: Redis) -> None:
    """Closed via process 1: audiences on all three get the frame and are refused."""
    await check_closing_on_one_process_stops_taps_on_all(servers, await make_event(redis),
                                                          redis)
