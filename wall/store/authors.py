"""What the store knows of an author (by author key, never by name): decision counts kept by
the decision script, and the banned / trusted flags moderators set."""

from __future__ import annotations

from wall.store import keys
from wall.store.client import Client

_RECORD = ("approved", "rejected", "banned", "trusted")


async def author_flags(redis: Client, slug: str, author_key: str) -> dict[str, bool]:
    """{"banned": ..., "trusted": ...} for the rules."""
    banned, trusted = await redis.hmget(keys.authors(slug), [f"{author_key}|banned",
                                                            f"{author_key}|trusted"])
    return {"banned": banned == "1", "trusted": trusted == "1"}


async def set_author_flag(redis: Client, slug: str, author_key: str, flag: str,
                          on: bool) -> None:
    """Ban or trust an author (flag "banned" or "trusted"); the two exclude each other."""
    other = "trusted" if flag == "banned" else "banned"
    if on:
        await redis.hset(keys.authors(slug), mapping={f"{author_key}|{flag}": "1",
                                                      f"{author_key}|{other}": "0"})
    else:
        await redis.hset(keys.authors(slug), f"{author_key}|{flag}", "0")


async def author_record(redis: Client, slug: str, author_key: str) -> dict[str, int | bool]:
    """How an author fared: {"approved": n, "rejected": n, "banned": bool, "trusted": bool}."""
    values = await redis.hmget(keys.authors(slug), [f"{author_key}|{n}" for n in _RECORD])
    approved, rejected, banned, trusted = (v or "0" for v in values)
    return {"approved": int(approved), "rejected": int(rejected),
            "banned": banned == "1", "trusted": trusted == "1"}
