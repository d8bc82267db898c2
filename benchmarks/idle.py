"""Connections: thousands of idle audience sockets on one process, and what each costs.

Memory per socket is the growth of the server's resident memory (RSS) from a warm server
(200 sockets already open, so the hub, the event and the allocator pools exist) to one
holding `count` more, divided by `count`; the same for the bare baseline's idle socket.
The open-files limit is raised for the server and the generators (`resource.setrlimit`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from benchmarks.infra import LoadGen, Service, baseline, clameur, split, start_redis
from benchmarks.load import Load
from benchmarks.report import Row, ratio
from benchmarks.setup import new_event

WARM = 200


async def per_socket(server: Service, path: str, count: int) -> dict[str, Any]:
    """RSS growth per socket for `count` sockets (opened by two generators)."""
    warm = LoadGen({"mode": "listen", "ports": [server.port], "path": path, "clients": WARM})
    await warm.start()
    await asyncio.sleep(0.5)
    before = server.rss()
    gens = [LoadGen({"mode": "listen", "ports": [server.port], "path": path, "clients": n,
                     "batch": 250}) for n in split(count, 2)]
    try:
        ready = await asyncio.gather(*(g.start() for g in gens))
        await asyncio.sleep(1.0)
        after = server.rss()
        connected = sum(r["connected"] for r in ready)
        async with httpx.AsyncClient(base_url=server.url) as http:
            health = (await http.get(server.health_path)).json()
        reports: list[Any] = await asyncio.gather(*(g.ask("report") for g in gens))
        dropped = sum(sum(r["closes"].values()) for r in reports)
    finally:
        await asyncio.gather(*(g.close() for g in [*gens, warm]))
    return {"bytes": (after - before) / max(connected, 1), "connected": connected,
            "dropped": dropped, "rss": after, "counted": health.get("connections", "?")}


async def run(load: Load) -> list[Row]:
    count = 2_000 if load.quick else 10_000
    redis = start_redis()
    server, bare = clameur(redis.url).start(), baseline().start()
    try:
        event = await new_event(redis.url)
        ours = await per_socket(server, f"/ws/audience/{event.slug}", count)
        base = await per_socket(bare, "/idle", count)
    finally:
        server.stop()
        bare.stop()
        redis.stop()
    kb, base_kb = ours["bytes"] / 1024, base["bytes"] / 1024
    held = ours["connected"] - ours["dropped"]
    return [
        Row(f"idle audience sockets held by one process (of {count:,})", f"{count:,}",
            f"{held:,} (server counted {ours['counted']:,} with the {WARM} warm ones)",
            f"{base['connected'] - base['dropped']:,}", ok=held == count),
        Row("server memory per idle audience socket (KB)", "≤ 30",
            f"{kb:.1f} (RSS {ours['rss'] / 2**20:,.0f} MB)", f"{base_kb:.1f}",
            ratio(kb, base_kb), kb <= 30),
    ]
