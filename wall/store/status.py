"""Tell walls and audiences live when an event opens or closes: a `status` feed entry.

The entry goes through the feed stream like any decision, so a wall reconnecting with
`?after=` replays it in order, and its frame carries the figures a thank-you screen shows.
"""

from __future__ import annotations

import json

from wall import protocol
from wall.store import keys
from wall.store.client import Client


async def announce_status(redis: Client, slug: str, status: str) -> str:
    """Append `{"type": "status", ...}` to the feed with the totals so far; its position."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(keys.reactions(slug))
        pipe.zcard(keys.onwall(slug))
        totals, approved = await pipe.execute()
    fields = {"type": "status", "id": "", "status": status,
              "totals": json.dumps({k: int(v) for k, v in totals.items()}),
              "approved": str(int(approved))}
    return str(await redis.xadd(keys.feed(slug), fields))


def status_message(position: str, fields: dict[str, str]) -> protocol.Frame:
    """A `status` feed entry as the frame walls and audiences receive."""
    return protocol.status(position, fields.get("status", ""),
                           json.loads(fields.get("totals") or "{}"),
                           int(fields.get("approved") or 0))


async def current_status(redis: Client, slug: str) -> str:
    """The event's status as stored now (`draft`, `open`, `closed`), "" when it is gone."""
    return str(await redis.hget(keys.meta(slug), "status") or "")

