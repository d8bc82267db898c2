"""Scale-out: N = 1, 2, 4 `clameur serve` processes on one Redis.

Walls are spread over every process (the generators connect to the processes directly; in
production an nginx upstream does it, docs/performance.md). While audiences tap through
every process, items are approved through each process in turn. Checked: every wall
receives every item exactly once, in order, and the reaction totals in Redis and on every
wall equal exactly what was sent. Measured: reactions applied per second and fan-out p99.
On a 2-core machine more processes cannot add CPU: the point is correctness and cost.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from benchmarks.infra import LoadGen, Service, clameur, start_redis
from benchmarks.reactions import tap_run
from benchmarks.report import Row, percentile, ratio
from benchmarks.setup import BenchEvent, approve, new_event, pending
from wall.redis_client import connect
from wall.store import keys


async def approvals(servers: list[Service], event: BenchEvent, ids: list[str],
                    spacing: float) -> list[float]:
    """Approve `ids` one by one, through each process in turn; the times of their `200`."""
    clients = [httpx.AsyncClient(base_url=s.url, timeout=30) for s in servers]
    try:
        sent = []
        for n, item_id in enumerate(ids):
            sent.append(await approve(clients[n % len(clients)], event, item_id))
            await asyncio.sleep(spacing)
        return sent
    finally:
        for client in clients:
            await client.aclose()


async def one_size(n: int, walls: int, tappers: int, rate: float, duration: float,
                   items: int) -> dict[str, Any]:
    redis_server = start_redis()
    servers: list[Service] = []
    redis = connect(redis_server.url)
    try:
        servers = [clameur(redis_server.url).start() for _ in range(n)]
        ports = [s.port for s in servers]
        event = await new_event(redis_server.url)
        ids = await pending(redis_server.url, event.slug, items)
        wall_gen = LoadGen({"mode": "listen", "ports": ports, "clients": walls, "ids": True,
                            "path": f"/ws/wall/{event.slug}"})
        await wall_gen.start()

        async def totals() -> dict[str, int]:
            stored = await redis.hgetall(keys.reactions(event.slug))
            return {k: int(v) for k, v in stored.items()}

        taps, sent = await asyncio.gather(
            tap_run(ports, f"/ws/audience/{event.slug}", tappers, rate, duration, totals,
                    [wall_gen]),
            approvals(servers, event, ids, spacing=duration / items))
        detail: Any = await wall_gen.ask("detail")
        await wall_gen.close()
    finally:
        await redis.aclose()
        for server in servers:
            server.stop()
        redis_server.stop()
    once = all(got == ids for got in detail["ids"])
    delays = [(t - s) * 1000 for arrivals in detail["arrivals"]
              for t, s in zip(arrivals, sent, strict=False)]
    return {"once": once, "exact": taps["exact"] and taps["walls_exact"], "rate": taps["rate"],
            "p99": percentile(delays, 99)}


async def run(quick: bool) -> list[Row]:
    walls, tappers, rate, duration, items = (
        (200, 40, 20_000.0, 3.0, 15) if quick else (400, 60, 30_000.0, 4.0, 20))
    results = {n: await one_size(n, walls, tappers, rate, duration, items) for n in (1, 2, 4)}
    first = results[1]
    rows = []
    for n, r in results.items():
        rows.append(Row(f"scale-out N={n}: every wall gets every item once; totals exact",
                        "yes", f"{'yes' if r['once'] else 'NO'}; {'yes' if r['exact'] else 'NO'}",
                        ok=r["once"] and r["exact"]))
        rows.append(Row(f"scale-out N={n}: reactions applied/s; fan-out p99 ms ({walls} walls)",
                        "—", f"{r['rate']:,.0f}; {r['p99']:.1f}",
                        f"{first['rate']:,.0f}; {first['p99']:.1f} (N=1)",
                        ratio(r["rate"], first["rate"])))
    return rows
