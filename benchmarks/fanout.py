"""Fan-out: latency from a decision's `200` to `--walls` sockets (2,000 by default), and
sustained delivery.

Listeners (half walls, half audiences) run in as many generator processes as they need
(one per 1,000 sockets, at least two; the busiest one's CPU share is reported). Latency: items are
approved one at a time, spaced out; each arrival is compared with the `200` of its item
(one monotonic clock for the machine). Sustained: a burst of items approved by four
concurrent moderators; delivered frames per second until the last one arrived.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from benchmarks.infra import LoadGen, baseline, clameur, start_redis
from benchmarks.load import BUSY, Load
from benchmarks.report import Row, percentile, ratio
from benchmarks.setup import new_event
from benchmarks.targets import (
    FeedTarget,
    ask_all,
    bare_target,
    busiest,
    clameur_target,
    close_all,
    listeners,
)


async def latency(target: FeedTarget, gens: list[LoadGen], rounds: int,
                  spacing: float) -> tuple[list[float], int]:
    """Milliseconds from each `200` to each arrival; and how many arrivals are missing."""
    sent = []
    async with httpx.AsyncClient(base_url=target.base_url, timeout=30) as http:
        for n in range(rounds):
            sent.append(await target.publish_one(http, n))
            await asyncio.sleep(spacing)
    reports: list[Any] = await ask_all(gens, "detail")
    delays: list[float] = []
    missing = 0
    for report in reports:
        for arrivals in report["arrivals"]:
            missing += rounds - len(arrivals)
            delays.extend((t - s) * 1000 for t, s in zip(arrivals, sent, strict=False))
    return delays, missing


async def delivered(gens: list[LoadGen], expected: int, patience: float = 5) -> dict[str, Any]:
    """Poll the listeners until `expected` frames arrived or nothing moves for `patience` s."""
    best, since = -1, time.monotonic()
    while True:
        reports: list[Any] = await ask_all(gens, "report")
        total = sum(r["items"] for r in reports)
        if total >= expected or time.monotonic() - since > patience:
            return {"items": total, "last": max(r["last"] for r in reports),
                    "closes": [r["closes"] for r in reports]}
        if total > best:
            best, since = total, time.monotonic()
        await asyncio.sleep(0.3)


async def sustained(target: FeedTarget, gens: list[LoadGen], clients: int,
                    burst: int) -> tuple[float, int]:
    """Frames per second delivered for a burst of `burst` items; frames missing. The
    busiest listener generator's share of a core is kept in `target.generator_busy`."""
    await ask_all(gens, "reset")
    cpu = target.service.cpu_seconds() if target.service else 0.0
    gen_cpu = [g.cpu_seconds() for g in gens]
    start = time.monotonic()
    await target.publish_many(burst)
    got = await delivered(gens, clients * burst)
    elapsed = max(got["last"] - start, 1e-6)
    target.generator_busy = busiest(gens, gen_cpu, elapsed)
    if target.service:
        target.cpu_per_frame = ((target.service.cpu_seconds() - cpu) * 1e6
                                / max(got["items"], 1))
    return got["items"] / elapsed, clients * burst - got["items"]


async def measure(target: FeedTarget, clients: int, rounds: int, burst: int,
                  spacing: float) -> dict[str, float]:
    await target.prepare(rounds + burst)
    gens = await listeners(target, clients)
    try:
        delays, missing = await latency(target, gens, rounds, spacing)
        rate, lost = await sustained(target, gens, clients, burst)
    finally:
        await close_all(gens)
    return {"p50": percentile(delays, 50), "p99": percentile(delays, 99),
            "missing": missing, "rate": rate, "lost": lost, "cpu": target.cpu_per_frame,
            "busy": target.generator_busy, "generators": len(gens)}


async def run(load: Load) -> list[Row]:
    clients = load.walls
    rounds, burst = (5, 40) if load.quick else (20, 100)
    redis = start_redis()
    server, bare = clameur(redis.url).start(), baseline().start()
    try:
        event = await new_event(redis.url)
        ours = await measure(clameur_target(server, redis.url, event), clients, rounds, burst,
                             spacing=0.3)
        base = await measure(bare_target(bare), clients, rounds, burst, spacing=0.3)
    finally:
        server.stop()
        bare.stop()
        redis.stop()
    note = "" if not ours["missing"] else f" ({ours['missing']:.0f} missing)"
    return [
        Row(f"fan-out p99, 1 item → {clients} sockets (ms)", "< 100",
            f"{ours['p99']:.1f} (p50 {ours['p50']:.1f}){note}",
            f"{base['p99']:.1f} (p50 {base['p50']:.1f})", ratio(ours["p99"], base["p99"]),
            ours["p99"] < 100 and not ours["missing"],
            values={"p99": ours["p99"], "p50": ours["p50"], "bare_p99": base["p99"],
                    "missing": ours["missing"], "sockets": clients}),
        Row(f"sustained feed delivery, {burst} items × {clients} (frames/s)", "≥ 80 % of bare",
            f"{ours['rate']:,.0f}" + (f" ({ours['lost']:.0f} lost)" if ours["lost"] else ""),
            f"{base['rate']:,.0f}", ratio(ours["rate"], base["rate"]),
            ours["rate"] >= 0.8 * base["rate"] and not ours["lost"],
            values={"rate": ours["rate"], "bare": base["rate"], "lost": ours["lost"]}),
        Row("server CPU per delivered frame (µs)", "—", f"{ours['cpu']:.1f}",
            f"{base['cpu']:.1f}", ratio(ours["cpu"], base["cpu"]),
            values={"cpu_us": ours["cpu"], "bare": base["cpu"]}),
        Row("fan-out listener generators (sustained burst)", "not the ceiling",
            f"{ours['generators']} gen., busiest {ours['busy']:.0%}; bare: {base['busy']:.0%}",
            ok=max(ours["busy"], base["busy"]) < BUSY,
            values={"busy": ours["busy"], "bare_busy": base["busy"],
                    "generators": ours["generators"]}),
    ]
