"""Posts: `wrk` (a separate C process) POSTing JSON with 64 connections, against
`POST /api/events/{slug}/posts` and against the bare JSON endpoint, each for the same time.

Each Clameur request is a full post: event lookup, validation and normalisation, the
insert script (de-duplication, inbox, pending queue) and the rules. Every request comes
without a device cookie, so each is a new phone (the rate limits are off: see infra.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.infra import Service, baseline, clameur, start_redis
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


def wrk(url: str, seconds: int, connections: int = 64) -> dict[str, float]:
    """Requests/s, p99 (ms) and errors of one wrk run."""
    if not Path(WRK).exists():
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT)
    try:
        out = subprocess.run([WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                              "-s", script.name, url], capture_output=True, text=True,
                             timeout=seconds + 60, check=True).stdout
    finally:
        Path(script.name).unlink()
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
            "requests": int(total.group(1)) if total else 0}


def measured(service: Service, url: str, seconds: int) -> dict[str, float]:
    """A wrk run, plus the server's CPU time per request (robust to a busy machine)."""
    cpu = service.cpu_seconds()
    out = wrk(url, seconds)
    out["cpu_us"] = (service.cpu_seconds() - cpu) * 1e6 / max(out["requests"], 1)
    return out


async def run(quick: bool) -> list[Row]:
    seconds = 4 if quick else 10
    redis_server = start_redis()
    server, bare = clameur(redis_server.url).start(), baseline().start()
    try:
        event = await new_event(redis_server.url)
        url = f"{server.url}/api/events/{event.slug}/posts"
        wrk(url, 1)  # warm-up: connections, caches, the script loaded in Redis
        ours = measured(server, url, seconds)
        wrk(f"{bare.url}/json", 1)
        base = measured(bare, f"{bare.url}/json", seconds)
        redis = connect(redis_server.url)
        stored = await redis.xlen(keys.inbox(event.slug))
        await redis.aclose()
    finally:
        server.stop()
        bare.stop()
        redis_server.stop()
    stored_note = "" if ours["errors"] == 0 else f", {ours['errors']:.0f} errors"
    return [
        Row("posts/s, 64 connections (wrk)", "≥ 2,000 and ≥ 30 % of bare",
            f"{ours['rps']:,.0f} ({stored:,} stored{stored_note})", f"{base['rps']:,.0f}",
            ratio(ours["rps"], base["rps"]),
            ours["rps"] >= 2_000 and ours["rps"] >= 0.3 * base["rps"] and not ours["errors"]),
        Row("posts p99 latency (ms)", "< 50", f"{ours['p99']:.1f}", f"{base['p99']:.1f}",
            ratio(ours["p99"], base["p99"]), ours["p99"] < 50),
        Row("server CPU per post (µs)", "—", f"{ours['cpu_us']:.0f}", f"{base['cpu_us']:.0f}",
            ratio(ours["cpu_us"], base["cpu_us"])),
    ]
