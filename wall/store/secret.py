"""What Redis knows of the key of device cookies and author hashes: only a fingerprint.

The key itself lives outside Redis (wall/keyfile.py), so a copy of the data directory holds
hashes without the key that made them. Every process records the fingerprint (an HMAC of a
fixed text under its key) when none is there, and compares it otherwise: two processes
with different keys on one Redis would each hash the same phone differently, and a cookie
signed by one would be refused by the other — that is refused at start-up instead.

Older versions generated the key into Redis (`clameur:secret`); `legacy_secret` and
`forget_legacy` let a process adopt it once and delete it.
"""

from __future__ import annotations

import hashlib
import hmac

from wall.store import keys
from wall.store.client import Client

_FINGERPRINTED = b"clameur: the key every process of one wall shares"


def fingerprint(secret: str) -> str:
    """A short public proof of which key a process holds (it does not reveal the key)."""
    return hmac.new(secret.encode(), _FINGERPRINTED, hashlib.sha256).hexdigest()[:32]


async def recorded_fingerprint(redis: Client, secret: str) -> str:
    """Record `secret`'s fingerprint unless one is there; the one recorded."""
    await redis.set(keys.SECRET_FINGERPRINT, fingerprint(secret), nx=True)
    return str(await redis.get(keys.SECRET_FINGERPRINT) or "")


async def replace_fingerprint(redis: Client, secret: str) -> str:
    """Record `secret`'s fingerprint over any other (the key was rotated on purpose); the
    one it replaced, "" when none."""
    return str(await redis.set(keys.SECRET_FINGERPRINT, fingerprint(secret), get=True) or "")


async def legacy_secret(redis: Client) -> str | None:
    """The key an older version generated into Redis, if it is still there."""
    value = await redis.get(keys.SECRET)
    return str(value) if value else None


async def forget_legacy(redis: Client) -> bool:
    """Delete the older versions' key from Redis; True when there was one."""
    return bool(await redis.delete(keys.SECRET))
