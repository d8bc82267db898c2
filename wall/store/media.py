"""Source images as the wall serves them: re-encoded copies kept per event in Redis.

One hash per image (`ev:{slug}:media:{item}:{n}`, wall/store/keys.py): `type` and `body`
(base64: the store's client decodes replies as text), or `error` when the source could not
give a usable image. Kept MEDIA_SECONDS (a day), errors FAILURE_SECONDS, and with the
event: `clameur event delete` sweeps them with every `ev:{slug}:*` key. Shared by every
server process, so a room's phones cost the source one fetch.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from wall.models import Item
from wall.store import keys
from wall.store.client import Client
from wall.store.inbox import get_item, item_state

MEDIA_SECONDS = 86_400
FAILURE_SECONDS = 600


@dataclass
class Stored:
    media_type: str
    body: bytes


async def shown_media_url(redis: Client, slug: str, item_id: str, index: int) -> str | None:
    """The source URL of image `index` of an item walls show now (approved, and revealed
    when flagged sensitive); None otherwise: a rejected, pending or taken-down item's
    images are never fetched nor served."""
    if await item_state(redis, slug, item_id) != "approved":
        return None
    item: Item | None = await get_item(redis, slug, item_id)
    if item is None or not 0 <= index < len(item.media):
        return None
    if item.sensitive and not getattr(item, "revealed", False):
        return None
    url = item.media[index].get("url")
    return url if isinstance(url, str) and url else None


async def cached(redis: Client, slug: str, item_id: str, index: int) -> Stored | str | None:
    """The stored copy, the reason it could not be made (str), or None if never tried."""
    found = await redis.hgetall(keys.media(slug, item_id, index))
    if not found:
        return None
    if "error" in found:
        return str(found["error"])
    return Stored(found["type"], base64.b64decode(found["body"]))


async def keep(redis: Client, slug: str, item_id: str, index: int, stored: Stored) -> None:
    key = keys.media(slug, item_id, index)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"type": stored.media_type,
                                "body": base64.b64encode(stored.body).decode("ascii")})
        pipe.expire(key, MEDIA_SECONDS)
        await pipe.execute()


async def keep_failure(redis: Client, slug: str, item_id: str, index: int, reason: str) -> None:
    key = keys.media(slug, item_id, index)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, "error", reason[:200])
        pipe.expire(key, FAILURE_SECONDS)
        await pipe.execute()
