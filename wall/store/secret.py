"""The key of device cookies and author hashes, shared by every process through Redis."""

from __future__ import annotations

import secrets

from wall.store import keys
from wall.store.client import Client


async def shared_secret(redis: Client, configured: str) -> str:
    """CLAMEUR_SECRET, else one generated once and shared by every process through Redis."""
    if configured:
        return configured
    await redis.set(keys.SECRET, secrets.token_hex(32), nx=True)
    return str(await redis.get(keys.SECRET))
