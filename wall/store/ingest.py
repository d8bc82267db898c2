"""What the ingest process keeps in the store: where each connector resumes (written only
after its items were accepted) and how each connector fares, for operators."""

from __future__ import annotations

import json

from wall.models import utc_now_iso
from wall.store import keys
from wall.store.client import Client


async def load_cursor(redis: Client, slug: str, connector: str) -> str | None:
    value = await redis.get(keys.source_cursor(slug, connector))
    return str(value) if value else None


async def save_cursor(redis: Client, slug: str, connector: str, cursor: str) -> None:
    """Store `cursor`; call it once everything before it went through `accept`."""
    await redis.set(keys.source_cursor(slug, connector), cursor)


async def record_status(redis: Client, slug: str, connector: str, **fields: object) -> None:
    """What `connector` is doing now (state, restarts, last error...), stamped with the time."""
    await redis.hset(keys.source_status(slug), connector,
                     json.dumps({**fields, "at": utc_now_iso()}))
