"""A slow client: sockets that stop reading must cost the other listeners nothing.

Twice the same measure on one server: a burst of approvals delivered to `clients`
listeners, then spaced approvals for latency, first alone, then with slow sockets open
(they read their snapshot, then never again, with a 4 KB receive buffer). The others'
figures should not change. A slow socket is dropped with 4408 only once the kernel's
buffers and its queue (1,000 frames) are full: a burst of a few hundred items fits in the
kernel, so it usually survives the run (the drop itself is proven by tests/test_faults.py).
"""

from __future__ import annotations

from typing import Any

from benchmarks.fanout import latency, sustained
from benchmarks.infra import LoadGen, clameur, start_redis
from benchmarks.load import Load
from benchmarks.report import Row, percentile, ratio
from benchmarks.setup import new_event
from benchmarks.targets import FeedTarget, ask_all, clameur_target, close_all, listeners


async def measure(target: FeedTarget, gens: list[LoadGen], clients: int, burst: int,
                  rounds: int) -> dict[str, float]:
    rate, lost = await sustained(target, gens, clients, burst)
    await ask_all(gens, "reset")
    delays, missing = await latency(target, gens, rounds, spacing=0.2)
    return {"rate": rate, "lost": lost + missing, "p99": percentile(delays, 99)}


async def run(load: Load) -> list[Row]:
    clients, slow_n, burst, rounds = (300, 5, 500, 5) if load.quick else (500, 20, 600, 10)
    redis = start_redis()
    server = clameur(redis.url).start()
    try:
        event = await new_event(redis.url)
        target = clameur_target(server, redis.url, event)
        await target.prepare(2 * (burst + rounds))
        gens = await listeners(target, clients)
        slow: list[LoadGen] = []
        try:
            alone = await measure(target, gens, clients, burst, rounds)
            slow = await listeners(target, slow_n, generators=1, mode="slow")
            await ask_all(gens, "reset")
            crowded = await measure(target, gens, clients, burst, rounds)
            slow_report: list[Any] = await ask_all(slow, "report")
        finally:
            await close_all(gens + slow)
    finally:
        server.stop()
        redis.stop()
    closes: dict[str, int] = {}
    for report in slow_report:
        for code, n in report["closes"].items():
            closes[code] = closes.get(code, 0) + n
    dropped = sum(closes.values())
    return [
        Row(f"feed delivery with {slow_n} slow sockets (frames/s, {clients} readers)",
            "no measurable cost", f"{crowded['rate']:,.0f}", f"{alone['rate']:,.0f} alone",
            ratio(crowded["rate"], alone["rate"]),
            crowded["rate"] >= 0.9 * alone["rate"] and not crowded["lost"]),
        Row("fan-out p99 with slow sockets (ms)", "no measurable cost",
            f"{crowded['p99']:.1f}", f"{alone['p99']:.1f} alone",
            ratio(crowded["p99"], alone["p99"]), crowded["p99"] <= max(1.5 * alone["p99"], 20)),
        Row("slow sockets dropped during the run (close codes)", "—",
            f"{dropped} of {slow_n} {closes or ''}".strip()),
    ]
