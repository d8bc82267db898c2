"""Per-event figures for `/metrics`, read at scrape time: true across every process."""

from __future__ import annotations

from dataclasses import dataclass

from wall.store import keys
from wall.store.client import Client


@dataclass
class EventFigures:
    slug: str
    received: int
    pending: int
    on_wall: int
    reactions: dict[str, int]


async def event_figures(redis: Client) -> list[EventFigures]:
    """Every open or closed event's inbox length, pending and on-wall counts and reaction
    totals. Drafts are left out: an event not announced yet is not named anywhere public."""
    rows = []
    for slug in sorted(await redis.smembers(keys.EVENTS_INDEX)):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.meta(slug), "status")
            pipe.xlen(keys.inbox(slug))
            pipe.zcard(keys.pending(slug))
            pipe.zcard(keys.onwall(slug))
            pipe.hgetall(keys.reactions(slug))
            status, n_in, n_pending, n_wall, totals = await pipe.execute()
        if status is None or status == "draft":
            continue  # a draft, or an event deleted between the two reads
        rows.append(EventFigures(slug, int(n_in), int(n_pending), int(n_wall),
                                 {k: int(v) for k, v in totals.items()}))
    return rows
