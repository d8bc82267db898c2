"""Scale-out: `clameur serve --workers N` for each N of `--workers`, through its one port.

For each N, a fresh Redis and one `clameur serve --workers N` (the kernel spreads the
connections over the workers, `wall/workers.py`), and the bare endpoints with the same N:

1. posts: wrk on the one port (`--posts-connections`), against the bare `POST /json` run
   with the same N workers;
2. reactions and fan-out together: `--walls` walls connected through the port, `--phones`
   phones tapping `--rate` messages/s through it, while items are approved one by one
   (each approval on a new connection, so through any worker). Checked: every wall
   receives every item exactly once, in order, and the reaction totals in Redis and on
   every wall equal exactly what was sent. Measured: reactions applied per second and the
   p99 from an approval's `200` to each wall.

Generators are split as the load needs (benchmarks/load.py) and say when they, not the
server, set the pace. On a machine with fewer cores than N (plus the generators and Redis)
more workers cannot add throughput: the figure then shows what sharing costs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from benchmarks.infra import LoadGen, Service, baseline, clameur, split, start_redis
from benchmarks.load import BUSY, Load, Offered, listen_generators
from benchmarks.posts import generator_note, measured, wrk
from benchmarks.reactions import tap_run
from benchmarks.report import Row, percentile, ratio
from benchmarks.setup import BenchEvent, approve, new_event, pending
from benchmarks.targets import busiest
from wall.redis_client import connect
from wall.store import keys


async def approvals(server: Service, event: BenchEvent, ids: list[str],
                    spacing: float) -> list[float]:
    """Approve `ids` one by one, each on a new connection (so through any worker); the
    times of their `200`."""
    sent = []
    for item_id in ids:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            sent.append(await approve(http, event, item_id))
        await asyncio.sleep(spacing)
    return sent


async def posts(server: Service, bare: Service, redis_url: str, load: Load) -> dict[str, Any]:
    seconds = max(3.0, load.seconds / 2)
    event = await new_event(redis_url)
    url = f"{server.url}/api/events/{event.slug}/posts"
    wrk(url, 1, load.posts_connections)
    ours = measured(server, url, seconds, load.posts_connections)
    wrk(f"{bare.url}/json", 1, load.posts_connections)
    base = measured(bare, f"{bare.url}/json", seconds, load.posts_connections)
    return {"ours": ours, "bare": base}


async def feed(server: Service, redis_url: str, load: Load) -> dict[str, Any]:
    items = 10 if load.quick else 20
    redis = connect(redis_url)
    try:
        event = await new_event(redis_url)
        ids = await pending(redis_url, event.slug, items)
        wall_gens = [LoadGen({"mode": "listen", "ports": [server.port], "clients": n,
                              "ids": True, "path": f"/ws/wall/{event.slug}"})
                     for n in split(load.walls, listen_generators(load.walls))]
        await asyncio.gather(*(g.start() for g in wall_gens))

        async def totals() -> dict[str, int]:
            stored = await redis.hgetall(keys.reactions(event.slug))
            return {k: int(v) for k, v in stored.items()}

        cpu = [g.cpu_seconds() for g in wall_gens]
        loop = asyncio.get_running_loop()
        start = loop.time()
        taps, sent = await asyncio.gather(
            tap_run([server.port], f"/ws/audience/{event.slug}", load.phones, load.rate,
                    load.tap_seconds, totals, wall_gens),
            approvals(server, event, ids, spacing=load.tap_seconds / items))
        listen_busy = busiest(wall_gens, cpu, loop.time() - start)
        details: list[Any] = await asyncio.gather(*(g.ask("detail") for g in wall_gens))
        await asyncio.gather(*(g.close() for g in wall_gens))
    finally:
        await redis.aclose()
    got = [walls_ids for d in details for walls_ids in d["ids"]]
    delays = [(t - s) * 1000 for d in details for arrivals in d["arrivals"]
              for t, s in zip(arrivals, sent, strict=False)]
    return {"once": len(got) == load.walls and all(g == ids for g in got),
            "exact": taps["exact"] and taps["walls_exact"], "rate": taps["rate"],
            "p99": percentile(delays, 99), "p50": percentile(delays, 50),
            "offered": taps["offered"], "listen_busy": listen_busy}


async def one_size(workers: int, load: Load) -> dict[str, Any]:
    redis_server = start_redis()
    server: Service | None = None
    bare: Service | None = None
    try:
        server = clameur(redis_server.url, workers=workers).start(timeout=120)
        bare = baseline(workers=workers).start(timeout=120)
        result = await posts(server, bare, redis_server.url, load)
        bare.stop()
        result.update(await feed(server, redis_server.url, load))
        return result
    finally:
        for service in (server, bare):
            if service is not None:
                service.stop()
        redis_server.stop()


async def run(load: Load) -> list[Row]:
    results = {n: await one_size(n, load) for n in load.workers}
    first = results[load.workers[0]]
    n0 = load.workers[0]
    rows = []
    for n, r in results.items():
        ours, base = r["ours"], r["bare"]
        offered: Offered = r["offered"]
        rows += [
            Row(f"scale N={n}: posts/s through one port ({load.posts_connections} connections; "
                f"p99; server CPU per post)", "—",
                f"{ours['rps']:,.0f} ({ours['p99']:.0f} ms; {ours['cpu_us']:.0f} µs)",
                f"{base['rps']:,.0f} bare N={n} ({base['cpu_us']:.0f} µs)",
                ratio(ours["rps"], base["rps"]), None if ours["errors"] == 0 else False,
                values={"rps": ours["rps"], "p99": ours["p99"], "cpu_us": ours["cpu_us"],
                        "bare": base["rps"], "bare_cpu_us": base["cpu_us"],
                        "errors": ours["errors"]}),
            Row(f"scale N={n}: reaction messages/s applied ({load.phones:,} phones)", "—",
                f"{r['rate']:,.0f}", f"{first['rate']:,.0f} (N={n0})",
                ratio(r["rate"], first["rate"]), values={"rate": r["rate"]}),
            Row(f"scale N={n}: fan-out p99 ms, 1 item → {load.walls:,} walls while tapping",
                "—", f"{r['p99']:.1f} (p50 {r['p50']:.1f})", f"{first['p99']:.1f} (N={n0})",
                ratio(r["p99"], first["p99"]), values={"p99": r["p99"], "p50": r["p50"]}),
            Row(f"scale N={n}: every wall gets every item once; totals exact", "yes",
                f"{'yes' if r['once'] else 'NO'}; {'yes' if r['exact'] else 'NO'}",
                ok=r["once"] and r["exact"]),
            Row(f"scale N={n}: load generators", "not the ceiling",
                f"taps {offered.note()}; walls: busiest {r['listen_busy']:.0%}; "
                f"{generator_note(ours)}",
                ok=not offered.generator_bound and r["listen_busy"] < BUSY
                and ours["busy"] < BUSY,
                values={"asked": offered.asked, "offered": offered.offered,
                        "taps_busiest": offered.busiest, "walls_busiest": r["listen_busy"],
                        "wrk_busy": ours["busy"]}),
        ]
    return rows
