"""Posts: `wrk` (a separate C process) POSTing JSON with `--posts-connections` connections
(64 by default), against `POST /api/events/{slug}/posts` and against the bare JSON endpoint
(the same server settings, benchmarks/baseline.py), each for the same time.

Each Clameur request is a full post: event lookup, validation and normalisation, the
insert script (de-duplication, inbox, pending queue) and the rules. Every request comes
without a device cookie, so each is a new phone (the rate limits are off: see infra.py).

The time is split into ROUNDS rounds per side, Clameur and bare taking turns, and each
side's figures are its best round (highest rate, lowest p99 and CPU per post): a virtual
machine whose speed drifts within a minute (seen: the bare endpoint 20 % slower from one
run to the next) then weighs on both sides alike instead of on whichever ran second.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.infra import Service, baseline, clameur, start_redis
from benchmarks.load import BUSY, Load
from benchmarks.report import Row, ratio
from benchmarks.setup import new_event
from wall.redis_client import connect
from wall.store import keys

WRK = shutil.which("wrk") or "/usr/bin/wrk"
SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil,
    '{"text": "Bonjour la salle, message numéro ' .. n .. '", "author": "Camille"}')
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
ROUNDS = 3


def wrk_threads(connections: int) -> int:
    """wrk's threads: two, and one more per 128 connections (one thread of wrk sends well
    over 50,000 small requests/s: it is not the ceiling of a few thousand posts/s)."""
    return max(2, min(16, connections // 128 + 1, connections))


def wrk(url: str, seconds: float, connections: int = 64) -> dict[str, float]:
    """Requests/s, p99 (ms), errors of one wrk run, and how busy wrk's threads were."""
    if not Path(WRK).exists():
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    threads = wrk_threads(connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s",
                              "--latency", "-s", script.name, url], capture_output=True,
                             text=True, timeout=seconds + 60, check=True).stdout
    finally:
        Path(script.name).unlink()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    total_errors = int(bad.group(1)) if bad else 0
    if errors:
        total_errors += sum(int(g) for g in errors.groups())
    total = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "p99": float(value) * _UNITS[unit], "errors": total_errors,
            "requests": int(total.group(1)) if total else 0,
            "busy": cpu / seconds / threads, "threads": threads}


def measured(service: Service, url: str, seconds: float,
             connections: int = 64) -> dict[str, float]:
    """A wrk run, plus the server's CPU time per request (robust to a busy machine)."""
    cpu = service.cpu_seconds()
    out = wrk(url, seconds, connections)
    out["cpu_us"] = (service.cpu_seconds() - cpu) * 1e6 / max(out["requests"], 1)
    return out


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """One side's best round: its highest rate, lowest p99 and CPU per post; errors and
    requests summed over the rounds, wrk's busiest round."""
    return {"rps": max(r["rps"] for r in rounds), "p99": min(r["p99"] for r in rounds),
            "cpu_us": min(r["cpu_us"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds),
            "requests": sum(r["requests"] for r in rounds),
            "busy": max(r["busy"] for r in rounds), "threads": rounds[0]["threads"],
            "rounds": len(rounds)}


def generator_note(out: dict[str, float]) -> str:
    busy = out["busy"] >= BUSY
    return (f"wrk {out['threads']:.0f} threads {out['busy']:.0%} busy"
            + (": GENERATOR-BOUND" if busy else ""))


async def run(load: Load) -> list[Row]:
    seconds, connections = load.seconds, load.posts_connections
    redis_server = start_redis()
    server, bare = clameur(redis_server.url).start(), baseline().start()
    try:
        event = await new_event(redis_server.url)
        url = f"{server.url}/api/events/{event.slug}/posts"
        wrk(url, 1, connections)  # warm-up: connections, caches, the script loaded in Redis
        wrk(f"{bare.url}/json", 1, connections)
        rounds: tuple[list[dict[str, float]], list[dict[str, float]]] = ([], [])
        each = max(1, round(seconds / ROUNDS))  # wrk counts whole seconds
        for _ in range(ROUNDS):
            rounds[0].append(measured(server, url, each, connections))
            rounds[1].append(measured(bare, f"{bare.url}/json", each, connections))
        ours, base = best(rounds[0]), best(rounds[1])
        redis = connect(redis_server.url)
        stored = await redis.xlen(keys.inbox(event.slug))
        await redis.aclose()
    finally:
        server.stop()
        bare.stop()
        redis_server.stop()
    stored_note = "" if ours["errors"] == 0 else f", {ours['errors']:.0f} errors"
    at_64 = connections == 64
    return [
        Row(f"posts/s, {connections} connections (wrk), one process", "≥ 50 % of bare",
            f"{ours['rps']:,.0f} (best of {ROUNDS} rounds; {stored:,} stored{stored_note})",
            f"{base['rps']:,.0f}",
            ratio(ours["rps"], base["rps"]),
            ours["rps"] >= 0.5 * base["rps"] and not ours["errors"],
            values={"rps": ours["rps"], "bare": base["rps"], "stored": stored,
                    "errors": ours["errors"]}),
        Row("posts p99 latency (ms)", "< 25 at 64 connections", f"{ours['p99']:.1f}",
            f"{base['p99']:.1f}", ratio(ours["p99"], base["p99"]),
            ours["p99"] < 25 if at_64 else None,
            values={"p99": ours["p99"], "bare": base["p99"]}),
        Row("server CPU per post (µs)", "≤ 200", f"{ours['cpu_us']:.0f}",
            f"{base['cpu_us']:.0f}", ratio(ours["cpu_us"], base["cpu_us"]),
            ours["cpu_us"] <= 200,
            values={"cpu_us": ours["cpu_us"], "bare": base["cpu_us"]}),
        Row("posts load generator (Clameur run; bare run)", "not the ceiling",
            f"{generator_note(ours)}; bare: {generator_note(base)}",
            ok=ours["busy"] < BUSY and base["busy"] < BUSY,
            values={"busy": ours["busy"], "bare_busy": base["busy"]}),
    ]
