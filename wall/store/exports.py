"""Whole-event reads for open data, reports and the audit command: every item and state,
approved items with their approval times, reactions per minute, the audit stream."""

from __future__ import annotations

from wall.models import Item
from wall.store import keys
from wall.store.client import Client

StreamEntry = tuple[str, dict[str, str]]
BATCH = 1000


async def _read_stream(redis: Client, key: str) -> list[StreamEntry]:
    """Every entry of a stream, oldest first, read in batches."""
    out: list[StreamEntry] = []
    start = "-"
    while True:
        entries = await redis.xrange(key, min=start, max="+", count=BATCH)
        out.extend(entries)
        if len(entries) < BATCH:
            return out
        start = f"({entries[-1][0]}"


async def audit_entries(redis: Client, slug: str) -> list[StreamEntry]:
    """Every decision recorded (id, action, by, at, rule, from, to, position), oldest first."""
    return await _read_stream(redis, keys.audit(slug))


async def all_items(redis: Client, slug: str) -> list[Item]:
    """Every item still stored, in no particular order."""
    return [Item.from_json(raw) for raw in (await redis.hgetall(keys.items(slug))).values()]


async def states(redis: Client, slug: str) -> dict[str, str]:
    """Item id -> pending | approved | rejected | retracted."""
    return dict(await redis.hgetall(keys.state(slug)))


async def in_state(redis: Client, slug: str, state: str) -> list[tuple[Item, float | None]]:
    """Items whose state is `state`, each with when it went on the wall (ms) if it is
    there now."""
    ids = [i for i, s in (await states(redis, slug)).items() if s == state]
    if not ids:
        return []
    bodies = await redis.hmget(keys.items(slug), ids)
    scores = dict(await redis.zrange(keys.onwall(slug), 0, -1, withscores=True))
    return [(Item.from_json(body), scores.get(item_id))
            for item_id, body in zip(ids, bodies, strict=True) if body]


async def reaction_minutes(redis: Client, slug: str) -> dict[int, dict[str, int]]:
    """The per-minute timeline as {epoch minute: {kind: count}}."""
    out: dict[int, dict[str, int]] = {}
    for name, count in (await redis.hgetall(keys.reactions_timeline(slug))).items():
        minute, _, kind = name.partition("|")
        if minute.isdigit() and kind:
            out.setdefault(int(minute), {})[kind] = int(count)
    return out
