"""Votes: 1,000 phones voting on an open poll from their audience sockets, walls watching.

Each phone has its own signed device cookie (as its page sets it), so each counts as one
voter; phones change their minds as they go (a later vote replaces the earlier one). The
generators offer a fixed rate (open loop) and wait for every `voted` answer, which the
server sends only once the vote is stored: the rate is votes answered per second, from
`go` to the last answer. The tally must then equal, in Redis and in the last `poll` frame
of every wall, the count of each phone's last vote. Walls record when each `poll` frame
arrives (at most ~4 per second wanted); Redis's `total_commands_processed` is sampled every
half second for the peak rate (commands run inside scripts count too).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from benchmarks.infra import LoadGen, RedisStats, clameur, split, start_redis
from benchmarks.reactions import max_per_second
from benchmarks.report import Row
from benchmarks.setup import new_event
from wall.redis_client import connect
from wall.store import keys

OPTIONS = ["Plus d'arbres", "Une piste cyclable", "Des bancs", "Un marché"]


async def run(quick: bool) -> list[Row]:
    phones, duration, walls_n = (400, 3.0, 10) if quick else (1_000, 5.0, 20)
    offered = 6_000.0 if quick else 10_000.0
    redis_server = start_redis()
    server = clameur(redis_server.url).start()
    redis = connect(redis_server.url)
    stats = RedisStats(redis_server.url)
    try:
        event = await new_event(redis_server.url)
        auth = {"Authorization": f"Bearer {event.token}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            res = await http.post(f"/api/events/{event.slug}/polls", headers=auth,
                                  json={"question": "Quelle priorité ?", "options": OPTIONS})
            poll_id = res.json()["id"]
            await http.post(f"/api/events/{event.slug}/polls/{poll_id}/open", headers=auth)
        walls = LoadGen({"mode": "listen", "ports": [server.port], "clients": walls_n,
                         "path": f"/ws/wall/{event.slug}"})
        await walls.start()
        gens = [LoadGen({"mode": "vote", "ports": [server.port], "clients": n,
                         "path": f"/ws/audience/{event.slug}", "devices": f"phone{g}",
                         "rate": offered / 2, "duration": duration, "poll": poll_id,
                         "options": len(OPTIONS)})
                for g, n in enumerate(split(phones, 2))]
        await asyncio.gather(*(g.start() for g in gens))
        sampler = asyncio.create_task(stats.sample_every(0.5))
        cpu = server.cpu_seconds()
        start = time.monotonic()
        parts: list[Any] = await asyncio.gather(*(g.ask("go", timeout=duration + 90)
                                                  for g in gens))
        cpu_us = (server.cpu_seconds() - cpu) * 1e6
        sampler.cancel()
        await asyncio.gather(*(g.close() for g in gens))
        sent = sum(p["votes"] for p in parts)
        acked = sum(p["acked"] for p in parts)
        last_ack = max(p["last_ack"] for p in parts)
        expected: Counter[str] = Counter()
        for p in parts:
            expected.update(p["tally"])
        stored = {k: int(v) for k, v in
                  (await redis.hgetall(keys.poll_tally(event.slug, poll_id))).items()
                  if int(v)}
        await asyncio.sleep(1.0)  # the last `poll` frame follows the last batch by ≤ 0.25 s
        report: Any = await walls.ask("report")
        await walls.close()
    finally:
        await redis.aclose()
        stats.close()
        server.stop()
        redis_server.stop()
    want = [expected.get(str(i), 0) for i in range(len(OPTIONS))]
    walls_exact = all([o["votes"] for o in poll.get("options", [])] == want
                      for poll in report["polls"])
    exact = stored == {k: v for k, v in expected.items() if v} and walls_exact
    times = [t for t in report["poll_times"] if t]
    frames_max = max(max_per_second(t) for t in times) if times else 0
    frames_mean = max(((len(t) - 1) / (t[-1] - t[0]) for t in times if len(t) > 1),
                      default=0.0)
    rate = acked / (last_ack - start) if last_ack > start else 0.0
    peak = stats.peak_rate(start, start + duration + 1)
    return [
        Row(f"votes/s stored and answered, {phones} phones on one process "
            f"(offered {sent / duration:,.0f}/s)", "≥ 10,000 offered", f"{rate:,.0f}",
            ok=acked == sent and sent / duration >= 0.95 * offered),
        Row("votes answered `voted` (each answer means stored)", "all",
            f"{acked:,} of {sent:,}", ok=acked == sent),
        Row("server CPU per vote (µs)", "—", f"{cpu_us / max(sent, 1):.1f}"),
        Row(f"poll tally after the run (Redis and every wall, {walls_n} walls)", "exact",
            "exact" if exact else f"WRONG (redis {stored}, want {dict(expected)}, "
                                  f"walls {walls_exact})", ok=exact),
        Row("`poll` frames/s on a wall: mean, max in any 1 s", "≤ ~4",
            f"{frames_mean:.1f}, {frames_max}", ok=frames_max <= 5),
        Row("Redis commands/s, peak while voting (scripts' own commands included)",
            "bounded (not per vote)", f"{peak:,.0f}", ok=peak < sent / duration / 4),
    ]
