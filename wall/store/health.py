"""Whether the store answers, for `/healthz`."""

from __future__ import annotations

from wall.store.client import Client


async def answers(redis: Client) -> bool:
    """True when Redis answers a PING; any failure to answer counts as down."""
    try:
        await redis.ping()
    except Exception:  # noqa: BLE001 - whatever went wrong, the store is not usable
        return False
    return True
