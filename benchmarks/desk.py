"""The desk at scale: what 20 connected moderators cost Redis on an event of 100,000 items.

The event is filled through Clameur's own scripts (the insert script for 100,000 items,
the decision script approving 2 % and rejecting 1 % of them), then 20 moderator sockets
connect to one server process and get their queue. Redis's own time is read from
`INFO commandstats` (the sum of every command's `usec`, `INFO` itself left out) at the
start and the end of 10 s: Redis microseconds per second of wall-clock time. The same
10 s are measured before the moderators connect (the idle server, for reference). The
desk's counters (pending, approved, rejected) must equal what was stored: they are kept by
the decision script, never counted by a scan (wall/store/decisions.py, wall/store/desk.py).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from benchmarks.infra import LoadGen, clameur, start_redis
from benchmarks.load import Load
from benchmarks.report import Row
from benchmarks.setup import ITEM_TEXT, new_event
from wall.models import Item, new_item_id, utc_now_iso
from wall.redis_client import connect
from wall.store.client import Client
from wall.store.decisions import counts, decide
from wall.store.inbox import insert_item

MODERATORS = 20
CHUNK = 200  # scripts in flight at once while filling


async def fill(redis: Client, slug: str, count: int) -> tuple[int, int]:
    """`count` pending items, then 2 % approved and 1 % rejected; (approved, rejected)."""
    ids: list[str] = []
    for start in range(0, count, CHUNK):
        batch = [Item(id=new_item_id() + f"{n:06d}", event=slug, source="web",
                      source_id=f"desk-{n}-{secrets.token_hex(4)}", author="Camille",
                      text=f"{ITEM_TEXT} #{n}", received_at=utc_now_iso())
                 for n in range(start, min(count, start + CHUNK))]
        await asyncio.gather(*(insert_item(redis, item) for item in batch))
        ids.extend(item.id for item in batch)
    approve, reject = ids[:count // 50], ids[count // 50:count // 50 + count // 100]
    for action, chosen in (("approve", approve), ("reject", reject)):
        for start in range(0, len(chosen), CHUNK):
            await asyncio.gather(*(decide(redis, slug, item_id, action, "bench")
                                   for item_id in chosen[start:start + CHUNK]))
    return len(approve), len(reject)


async def redis_usec(redis: Client) -> tuple[float, int, dict[str, float]]:
    """Redis's total command time (µs) and calls so far, and the time by command."""
    stats: dict[str, Any] = await redis.info("commandstats")
    by_command = {name.removeprefix("cmdstat_"): float(v["usec"])
                  for name, v in stats.items() if name != "cmdstat_info"}
    calls = sum(int(v["calls"]) for name, v in stats.items() if name != "cmdstat_info")
    return sum(by_command.values()), calls, by_command


async def window(redis: Client, seconds: float) -> dict[str, Any]:
    """Redis µs per second, commands per second and the top commands over `seconds`."""
    usec0, calls0, by0 = await redis_usec(redis)
    start = time.monotonic()
    await asyncio.sleep(seconds)
    usec1, calls1, by1 = await redis_usec(redis)
    elapsed = time.monotonic() - start
    top = sorted(((by1[k] - by0.get(k, 0.0), k) for k in by1), reverse=True)[:3]
    return {"usec_per_s": (usec1 - usec0) / elapsed, "calls_per_s": (calls1 - calls0) / elapsed,
            "top": [f"{name} {usec / elapsed:,.0f}" for usec, name in top if usec > 0]}


async def run(load: Load) -> list[Row]:
    items, seconds = (20_000, 5.0) if load.quick else (100_000, 10.0)
    redis_server = start_redis()
    server = clameur(redis_server.url).start()
    redis = connect(redis_server.url)
    desks: LoadGen | None = None
    try:
        event = await new_event(redis_server.url)
        approved, rejected = await fill(redis, event.slug, items)
        idle = await window(redis, seconds)
        desks = LoadGen({"mode": "listen", "ports": [server.port], "clients": MODERATORS,
                         "path": f"/ws/moderate/{event.slug}?token={event.token}"})
        await desks.start()
        await asyncio.sleep(2.5)  # past the joins' first beats: the steady state
        busy = await window(redis, seconds)
        kept = await counts(redis, event.slug)
    finally:
        if desks is not None:
            await desks.close()
        await redis.aclose()
        server.stop()
        redis_server.stop()
    want = {"pending": items - approved - rejected, "approved": approved, "rejected": rejected}
    return [
        Row(f"Redis time with {MODERATORS} moderator sockets, {items:,} items (µs per s)",
            "< 1,000", f"{busy['usec_per_s']:,.0f} ({busy['calls_per_s']:,.0f} commands/s; "
            f"{', '.join(busy['top'])})", f"{idle['usec_per_s']:,.0f} with none",
            ok=busy["usec_per_s"] < 1_000,
            values={"usec_per_s": busy["usec_per_s"], "calls_per_s": busy["calls_per_s"],
                    "idle_usec_per_s": idle["usec_per_s"], "items": items}),
        Row("desk counters (pending, approved, rejected) after filling", "exact",
            "exact" if kept == want else f"WRONG ({kept}, want {want})", ok=kept == want),
    ]
