"""What the wall shows, chosen by a moderator: the feed, the top questions or the poll."""

from __future__ import annotations

from wall.store import keys
from wall.store.client import Client

STAGES = ("feed", "questions", "poll")
ASKS_MAXLEN = 2_000


async def set_stage(redis: Client, slug: str, mode: str) -> None:
    """Switch the wall; every wall hears it through the `asks` stream (`mode` frames)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.stage(slug), mode)
        pipe.xadd(keys.asks_stream(slug), {"type": "mode", "mode": mode},
                  maxlen=ASKS_MAXLEN, approximate=True)
        await pipe.execute()


async def get_stage(redis: Client, slug: str) -> str | None:
    """The mode a moderator chose, None when nobody did (the wall shows its feed)."""
    value = await redis.get(keys.stage(slug))
    return str(value) if value in STAGES else None
