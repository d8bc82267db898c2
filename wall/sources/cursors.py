"""Where each connector resumes, kept in Redis and written only after items are accepted."""

from __future__ import annotations

from redis.asyncio import Redis

from wall.store import keys


async def load(redis: Redis, slug: str, connector: str) -> str | None:
    value = await redis.get(keys.source_cursor(slug, connector))
    return str(value) if value else None


async def save(redis: Redis, slug: str, connector: str, cursor: str) -> None:
    """Store `cursor`; call it once everything before it went through `accept`."""
    await redis.set(keys.source_cursor(slug, connector), cursor)


def newer(a: str, b: str | None) -> bool:
    """Whether numeric id `a` is after `b` (X and Mastodon ids are decimal snowflakes)."""
    if b is None:
        return True
    return (len(a), a) > (len(b), b)
