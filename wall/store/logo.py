"""The event's logo file: one image per event, kept in Redis with the event's other keys.

One hash (`ev:{slug}:logo`, wall/store/keys.py): `type` (`image/png`, `image/jpeg` or
`image/webp`), `body` (base64: the store's client decodes replies as text, as for
wall/store/media.py), `hash` (the first 16 hex digits of the bytes' SHA-256: the ETag and
the `?v=` of the theme's URL) and `size`. No expiry: it lives as long as the event, and
`delete_event` removes it (it is one of `keys.all_event_keys`). What a logo may be is
checked before it gets here (wall/logo.py).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from wall.store import keys
from wall.store.client import Client

HASH_DIGITS = 16


@dataclass(frozen=True)
class Logo:
    media_type: str
    body: bytes
    digest: str

    @classmethod
    def of(cls, media_type: str, body: bytes) -> Logo:
        return cls(media_type, body, hashlib.sha256(body).hexdigest()[:HASH_DIGITS])


async def save_logo(redis: Client, slug: str, logo: Logo) -> None:
    """Replace the event's logo in one transaction (no reader sees half of it)."""
    key = keys.logo(slug)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"type": logo.media_type, "hash": logo.digest,
                                "size": str(len(logo.body)),
                                "body": base64.b64encode(logo.body).decode("ascii")})
        await pipe.execute()


async def get_logo(redis: Client, slug: str) -> Logo | None:
    found = await redis.hgetall(keys.logo(slug))
    if not found or "body" not in found:
        return None
    return Logo(str(found.get("type", "")), base64.b64decode(found["body"]),
                str(found.get("hash", "")))


async def delete_logo(redis: Client, slug: str) -> bool:
    """True when there was one."""
    return bool(await redis.delete(keys.logo(slug)))
