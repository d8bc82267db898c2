"""The scale-out suite against a real 3-master Redis Cluster: the `{slug}` hash tags keep
every multi-key operation (Lua scripts, transactions, XREAD) of an event on one slot."""

from __future__ import annotations

import inspect
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisClusterException, ResponseError

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved
from tests.support.cluster import RedisClusterProcesses
from tests.support.scaleout import (
    NO_LIMITS,
    check_a_wall_can_resume_on_another_process,
    check_closing_on_one_process_stops_taps_on_all,
    check_every_wall_gets_every_item_once,
    check_reaction_totals_are_exact,
)
from tests.support.servers import ServerProcess
from wall.models import Event
from wall.redis_client import connect
from wall.store import keys
from wall.store.events import create_event
from wall.store.tokens import create_token


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterProcesses]:
    with RedisClusterProcesses(Path(tmp_path_factory.mktemp("cluster"))) as nodes:
        yield nodes


@pytest.fixture(scope="module")
def cluster_servers(cluster: RedisClusterProcesses) -> Iterator[list[ServerProcess]]:
    """Two server processes talking to the Cluster through one of its nodes."""
    started: list[ServerProcess] = []
    try:
        for _ in range(2):
            started.append(ServerProcess(redis_url=cluster.url,
                                         env={"CLAMEUR_REDIS_CLUSTER": "1", **NO_LIMITS}).start())
        yield started
    finally:
        for proc in started:
            proc.stop()


@pytest.fixture
async def cluster_redis(cluster: RedisClusterProcesses) -> AsyncIterator[Redis]:
    client = connect(cluster.url, cluster=True)
    await client.initialize()  # type: ignore[attr-defined]
    yield client
    await client.aclose()


async def event_on_node(redis: Redis, node_index: int) -> EventFixture:
    """An event whose slot is served by the cluster's `node_index`-th master."""
    primaries = sorted(redis.get_primaries(), key=lambda n: n.port)  # type: ignore[attr-defined]
    wanted = primaries[node_index].name
    while True:
        slug = f"c-{secrets.token_hex(4)}"
        node = redis.nodes_manager.get_node_from_slot(  # type: ignore[attr-defined]
            redis.keyslot(keys.meta(slug)))  # type: ignore[attr-defined]
        if node.name == wanted:
            await create_event(redis, Event(slug=slug, title=f"Cluster {slug}"))
            token, _ = await create_token(redis, slug, "moderator", label="alice")
            admin, _ = await create_token(redis, slug, "admin", label="root")
            return EventFixture(slug, token, admin)


async def test_the_cluster_is_real_and_event_keys_share_one_slot(
        cluster_redis: Redis) -> None:
    """Three masters; every key of an event hashes to one slot; untagged ones are refused."""
    assert len(cluster_redis.get_primaries()) == 3  # type: ignore[attr-defined]
    slug = "salle-pleine"
    names = [build(slug, *["x"] * (len(inspect.signature(build).parameters) - 1))
             for name, build in vars(keys).items()
             if inspect.isfunction(build) and not name.startswith("_")
             and next(iter(inspect.signature(build).parameters), "") == "slug"
             and name != "all_event_keys"] + keys.all_event_keys(slug)
    assert len(names) > 20
    slots = {cluster_redis.keyslot(name) for name in names}  # type: ignore[attr-defined]
    assert len(slots) == 1
    with pytest.raises((ResponseError, RedisClusterException)):
        await cluster_redis.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2,
                                 "ev:a:meta", "ev:b:meta")


async def test_post_approve_and_replay_work_on_the_cluster(
        cluster_servers: list[ServerProcess], cluster_redis: Redis) -> None:
    """The spine on the Cluster: approve reaches a wall; a snapshot and `after=` replay."""
    event = await event_on_node(cluster_redis, 1)
    server = cluster_servers[0]
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        first = await approved(http, event.slug, "sur le cluster", event.token)
        frame = await wall.next("item")
        assert frame["item"]["id"] == first
        second = await approved(http, event.slug, "encore", event.token)
    await wall.close()
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await fresh.next("snapshot")
    assert [i["id"] for i in snap["items"]] == [first, second]
    await fresh.close()
    back = await FeedClient.connect(
        f"{server.ws_url}/ws/wall/{event.slug}?after={frame['position']}")
    assert (await back.next())["item"]["id"] == second
    await back.close()


@pytest.mark.parametrize("node_index", [0, 2])
async def test_walls_on_every_process_receive_every_item_once_on_the_cluster(
        cluster_servers: list[ServerProcess], cluster_redis: Redis, node_index: int) -> None:
    """Items approved through either process reach walls on both, once each, in order."""
    event = await event_on_node(cluster_redis, node_index)
    await check_every_wall_gets_every_item_once(cluster_servers, event)


@pytest.mark.parametrize("node_index", [0, 1, 2])
async def test_reaction_totals_are_exact_on_the_cluster(
        cluster_servers: list[ServerProcess], cluster_redis: Redis, node_index: int) -> None:
    """Taps sent to both processes add up exactly, whichever master holds the event."""
    event = await event_on_node(cluster_redis, node_index)
    await check_reaction_totals_are_exact(cluster_servers, event, cluster_redis)


async def test_a_wall_resumes_on_another_process_on_the_cluster(
        cluster_servers: list[ServerProcess], cluster_redis: Redis) -> None:
    """Left one process, back on the other with ?after=: exactly the missed items."""
    await check_a_wall_can_resume_on_another_process(
        cluster_servers, await event_on_node(cluster_redis, 1))


async def test_closing_stops_taps_on_every_process_on_the_cluster(
        cluster_servers: list[ServerProcess], cluster_redis: Redis) -> None:
    """Closed via one process: audiences on both are refused; totals keep earlier taps."""
    await check_closing_on_one_process_stops_taps_on_all(
        cluster_servers, await event_on_node(cluster_redis, 2), cluster_redis)
