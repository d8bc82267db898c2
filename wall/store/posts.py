"""Posts read with their state and last decision in one round trip: what an author's phone
asks about its own posts (wall/routes/authors.py checks whose they are)."""

from __future__ import annotations

import json

from wall.models import Item
from wall.store import keys
from wall.store.client import Client


async def posts_with_states(redis: Client, slug: str, ids: list[str]
                            ) -> list[tuple[Item, str, dict[str, str] | None]]:
    """(item, state, last decision) for each id that names a stored item, in `ids` order."""
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.items(slug), ids)
        pipe.hmget(keys.state(slug), ids)
        pipe.hmget(keys.decisions(slug), ids)
        bodies, states, decisions = await pipe.execute()
    return [(Item.from_json(body), state or "pending", json.loads(decision) if decision else None)
            for body, state, decision in zip(bodies, states, decisions, strict=True) if body]
