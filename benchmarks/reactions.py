"""Reactions: audience sockets tapping as fast as they can, walls watching the totals.

The phones (`--phones`) offer a fixed rate (`--rate`, open loop), split over as many
generator processes as that needs; a row says what they managed to offer and how busy the
busiest was. The rate counts messages the server has *applied*: all messages sent, divided
by the time from `go` until the totals in Redis (or the baseline's counter) equal exactly
what the generators sent. It cannot exceed the offered rate. Walls record when each
`reactions` frame arrives (at most 10 per second wanted) and their last totals; Redis's
`total_commands_processed` is sampled every half second for the peak rate."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from benchmarks.infra import LoadGen, RedisStats, Service, baseline, clameur, split, start_redis
from benchmarks.load import Load, Offered, tap_generators
from benchmarks.report import Row, ratio
from benchmarks.setup import new_event
from wall.redis_client import connect
from wall.store import keys

Totals = Callable[[], Awaitable[dict[str, int]]]


def max_per_second(times: list[float]) -> int:
    """The most frames any one-second window holds."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def tap_run(ports: list[int], path: str, clients: int, rate: float, duration: float,
                  totals: Totals, walls: list[LoadGen] | None = None,
                  service: Service | None = None) -> dict[str, Any]:
    """Offer `rate` messages/s for `duration` s; messages applied per second from `go`
    until the server's totals equal exactly what was sent (so a server slower than the
    offered rate is measured by how long it takes to catch up). The phones are split over
    as many generators as `rate` and `clients` need (benchmarks/load.py)."""
    parts = tap_generators(clients, rate)
    gens = [LoadGen({"mode": "tap", "ports": ports, "path": path, "clients": n,
                     "rate": rate * n / clients, "duration": duration})
            for n in split(clients, parts)]
    await asyncio.gather(*(g.start() for g in gens))
    before = Counter(await totals())
    cpu = service.cpu_seconds() if service else 0.0
    start = time.monotonic()
    sent_parts = await asyncio.gather(*(g.ask("go", timeout=duration + 60) for g in gens))
    sent: Counter[str] = Counter()
    for part in sent_parts:
        sent.update(part)
    messages = sent.pop("_messages")
    offered = Offered(asked=rate, offered=sent.pop("_attempted") / duration,
                      skipped=sent.pop("_skipped", 0), generators=len(gens),
                      busiest=max(p["_cpu_us"] / 1e6 / duration for p in sent_parts))
    sent.pop("_cpu_us")
    expected = dict(before + sent)
    deadline = time.monotonic() + 90
    while (current := await totals()) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    caught_up = time.monotonic()
    cpu_us = (service.cpu_seconds() - cpu) * 1e6 if service else 0.0
    # Closed only now: a socket closed with unread data is reset, and the server's kernel
    # would discard the taps still waiting in its receive buffer.
    await asyncio.gather(*(g.close() for g in gens))
    out: dict[str, Any] = {"rate": messages / (caught_up - start),
                           "offered": offered, "start": start,
                           "cpu": cpu_us / max(messages, 1),
                           "exact": current == expected,
                           "lag": caught_up - (start + duration)}
    if walls:
        await asyncio.sleep(0.5)  # the last `reactions` frame follows the last flush
        reports: list[Any] = await asyncio.gather(*(w.ask("report") for w in walls))
        times = [t for r in reports for t in r["reaction_times"] if t]
        out["frames_max"] = max((max_per_second(t) for t in times), default=0)
        out["frames_mean"] = max(((len(t) - 1) / (t[-1] - t[0]) for t in times if len(t) > 1),
                                 default=0.0)
        out["walls_exact"] = all(t == expected for r in reports for t in r["totals"])
    return out


async def run(load: Load) -> list[Row]:
    clients, offered, duration = load.phones, load.rate, load.tap_seconds
    walls_n = 10 if load.quick else 20
    redis_server = start_redis()
    server, bare = clameur(redis_server.url).start(), baseline().start()
    redis = connect(redis_server.url)
    stats = RedisStats(redis_server.url)
    try:
        event = await new_event(redis_server.url)

        async def ours_totals() -> dict[str, int]:
            stored = await redis.hgetall(keys.reactions(event.slug))
            return {k: int(v) for k, v in stored.items()}

        walls = [LoadGen({"mode": "listen", "ports": [server.port], "clients": walls_n,
                          "path": f"/ws/wall/{event.slug}"})]
        await walls[0].start()
        sampler = asyncio.create_task(stats.sample_every(0.5))
        ours = await tap_run([server.port], f"/ws/audience/{event.slug}", clients, offered,
                             duration, ours_totals, walls, server)
        sampler.cancel()
        await walls[0].close()
        async with httpx.AsyncClient(base_url=bare.url) as http:
            async def bare_totals() -> dict[str, int]:
                return dict((await http.get("/count")).json())

            base = await tap_run([bare.port], "/rx", clients, offered, duration, bare_totals,
                                 service=bare)
    finally:
        await redis.aclose()
        stats.close()
        server.stop()
        bare.stop()
        redis_server.stop()
    exact = ours["exact"] and ours["walls_exact"]
    peak = stats.peak_rate(ours["start"], ours["start"] + duration)
    gen: Offered = ours["offered"]
    return [
        Row(f"reaction messages/s applied, {clients:,} audience sockets, one process",
            "≥ 10,000", f"{ours['rate']:,.0f}", f"{base['rate']:,.0f}",
            ratio(ours["rate"], base["rate"]), ours["rate"] >= 10_000,
            values={"rate": ours["rate"], "bare": base["rate"], "phones": clients}),
        Row("reaction load generators (Clameur run; bare run)", "not the ceiling",
            f"{gen.note()}; bare: {base['offered'].offered:,.0f}/s",
            ok=not gen.generator_bound and not base["offered"].generator_bound,
            values={"asked": gen.asked, "offered": gen.offered, "skipped": gen.skipped,
                    "busiest": gen.busiest, "generators": gen.generators}),
        Row("server CPU per reaction message (µs)", "—", f"{ours['cpu']:.1f}",
            f"{base['cpu']:.1f}", ratio(ours["cpu"], base["cpu"]),
            values={"cpu_us": ours["cpu"], "bare_cpu_us": base["cpu"]}),
        Row("reaction totals after the run (Redis and every wall)", "exact",
            "exact" if exact else f"WRONG (redis {ours['exact']}, walls {ours['walls_exact']})",
            ok=exact),
        Row(f"`reactions` frames/s on a wall ({walls_n} walls): mean, max in any 1 s", "≤ 10",
            f"{ours['frames_mean']:.1f}, {ours['frames_max']}", ok=ours["frames_mean"] <= 10,
            values={"mean": ours["frames_mean"], "max": ours["frames_max"]}),
        Row("Redis commands/s, peak while tapping", "bounded (not per tap)",
            f"{peak:,.0f}", ok=peak < 1_000, values={"peak": peak}),
    ]
