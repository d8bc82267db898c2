"""Correctness checks for several `clameur serve` processes sharing one Redis (or Cluster).

Used by the single-Redis and the Redis Cluster scale-out tests alike: each check connects
walls and audiences to every process, drives traffic through every process, and compares
what every wall saw with what Redis holds.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, decide, post
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall import keys

# These suites count every tap: rate limits (wall/ratelimit.py) would drop some on purpose.
NO_LIMITS = {"CLAMEUR_RATE_LIMITS": "off"}


async def walls_on(servers: list[ServerProcess], slug: str, per_server: int = 2,
                   path: str = "wall") -> list[FeedClient]:
    """`per_server` feed sockets on each process, each past its snapshot."""
    clients = []
    for server in servers:
        for _ in range(per_server):
            client = await FeedClient.connect(f"{server.ws_url}/ws/{path}/{slug}")
            await client.next("snapshot")
            clients.append(client)
    return clients


async def approve_through(servers: list[ServerProcess], event: EventFixture,
                          count: int) -> list[str]:
    """Post and approve `count` items, round-robin over the processes; their ids in order."""
    ids = []
    for n in range(count):
        server = servers[n % len(servers)]
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout()) as http:
            res = await post(http, event.slug, f"message {n} via {server.port}")
            assert res.status_code == 202, res.text
            item_id = res.json()["id"]
            res = await decide(http, event.slug, item_id, "approve", event.token)
            assert res.status_code == 200, res.text
        ids.append(item_id)
    return ids


async def items_until(client: FeedClient, last_id: str) -> list[str]:
    """Item ids a wall receives up to and including `last_id`."""
    seen = []
    while True:
        frame = await client.next("item")
        seen.append(frame["item"]["id"])
        if frame["item"]["id"] == last_id:
            return seen


async def check_every_wall_gets_every_item_once(servers: list[ServerProcess],
                                                event: EventFixture, count: int = 12) -> None:
    """Walls on every process receive every approved item exactly once, in feed order."""
    walls = await walls_on(servers, event.slug)
    try:
        ids = await approve_through(servers, event, count)
        seen = await asyncio.gather(*[items_until(w, ids[-1]) for w in walls])
        for got in seen:
            assert got == ids
    finally:
        for wall in walls:
            await wall.close()


async def send_reactions(servers: list[ServerProcess], slug: str,
                         rounds: int = 25) -> Counter[str]:
    """Taps through every process, over audience WebSockets and HTTP; the exact sum sent."""
    sent: Counter[str] = Counter()
    kinds = ("clap", "heart", "wow")
    for index, server in enumerate(servers):
        audience = await FeedClient.connect(f"{server.ws_url}/ws/audience/{slug}")
        await audience.next("snapshot")
        for n in range(rounds):
            counts = {kinds[n % 3]: n % 7 + 1, "laugh": index + 1}
            await audience.ws.send(json.dumps({"type": "reactions", "counts": counts}))
            sent.update(counts)
        await audience.close()
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout()) as http:
            for n in range(rounds):
                res = await http.post(f"/api/events/{slug}/reactions",
                                      json={"kind": "clap", "count": n % 5 + 1})
                assert res.status_code == 202, res.text
                sent["clap"] += n % 5 + 1
    return sent


async def totals_reach(client: FeedClient, expected: dict[str, int]) -> dict[str, Any]:
    """Read `reactions` frames until one carries `expected` totals; fail if one exceeds it."""
    while True:
        frame = await client.next("reactions", limit=timeout(15))
        totals = frame["totals"]
        assert all(totals.get(k, 0) <= n for k, n in expected.items()), (totals, expected)
        if totals == expected:
            return frame


async def check_reaction_totals_are_exact(servers: list[ServerProcess], event: EventFixture,
                                          redis: Redis) -> dict[str, int]:
    """Reactions sent to every process add up exactly in Redis and on every wall (on top
    of the event's totals before); the new totals."""
    before = Counter({k: int(v) for k, v in
                      (await redis.hgetall(keys.reactions(event.slug))).items()})
    walls = await walls_on(servers, event.slug)
    try:
        sent = dict(before + await send_reactions(servers, event.slug))
        await asyncio.gather(*[totals_reach(w, sent) for w in walls])
        # Walls learn totals from the delta stream, written in one transaction with the
        # totals hash: once every wall has the sum, Redis holds it too.
        stored = await redis.hgetall(keys.reactions(event.slug))
        assert {k: int(v) for k, v in stored.items()} == sent
        timeline = await redis.hgetall(keys.reactions_timeline(event.slug))
        by_kind: Counter[str] = Counter()
        for field, n in timeline.items():
            by_kind[field.split("|", 1)[1]] += int(n)
        assert dict(by_kind) == sent
        return sent
    finally:
        for wall in walls:
            await wall.close()
