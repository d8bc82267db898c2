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
from wall.store import keys

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


async def check_a_wall_can_resume_on_another_process(servers: list[ServerProcess],
                                                     event: EventFixture) -> None:
    """A wall that left one process and comes back on another with `?after=` gets exactly
    the items it missed, then the live ones: what a load balancer does to a reconnect."""
    first, other = servers[0], servers[-1]
    wall = await FeedClient.connect(f"{first.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    (seen,) = await approve_through(servers, event, 1)
    last = (await wall.next("item"))["position"]
    await wall.close()
    missed = await approve_through(servers, event, 5)
    back = await FeedClient.connect(f"{other.ws_url}/ws/wall/{event.slug}?after={last}")
    try:
        got = [(await back.next())["item"]["id"] for _ in missed]
        assert got == missed and seen not in got
        (live,) = await approve_through(servers[:1], event, 1)
        assert (await back.next())["item"]["id"] == live
    finally:
        await back.close()


async def check_closing_on_one_process_stops_taps_on_all(servers: list[ServerProcess],
                                                         event: EventFixture,
                                                         redis: Redis) -> None:
    """An admin closes the event through one process: audiences on every process get the
    status frame and their taps are refused until it reopens; the totals never count them."""
    audiences = await walls_on(servers, event.slug, per_server=1, path="audience")
    try:
        for audience in audiences:
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 2}}')
        expected = {"heart": 2 * len(audiences)}
        await asyncio.gather(*[totals_reach(a, expected) for a in audiences])
        async with httpx.AsyncClient(base_url=servers[0].url, timeout=timeout()) as http:
            res = await http.post(f"/api/events/{event.slug}/status", json={"status": "closed"},
                                  headers=event.admin_auth)
            assert res.status_code == 200, res.text
        for audience in audiences:
            assert (await audience.next("status"))["status"] == "closed"
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 50}}')
            assert (await audience.next("error"))["error"] == "event_closed"
        # Reopen and tap once more: a refused tap wrongly counted would have been flushed
        # before (or with) these, so the totals prove none was.
        async with httpx.AsyncClient(base_url=servers[-1].url, timeout=timeout()) as http:
            res = await http.post(f"/api/events/{event.slug}/status", json={"status": "open"},
                                  headers=event.admin_auth)
            assert res.status_code == 200, res.text
        for audience in audiences:
            assert (await audience.next("status"))["status"] == "open"
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 1}}')
        expected = {"heart": 3 * len(audiences)}
        await asyncio.gather(*[totals_reach(a, expected) for a in audiences])
        stored = await redis.hgetall(keys.reactions(event.slug))
        assert {k: int(v) for k, v in stored.items()} == expected
    finally:
        for audience in audiences:
            await audience.close()
