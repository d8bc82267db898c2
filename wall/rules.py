"""Automatic moderation rules, applied to each new item; each names itself in the audit."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from wall import keys
from wall.models import Event, Item


@dataclass
class Verdict:
    action: str  # "approve" or "reject"
    rule: str


async def author_flags(redis: Redis, slug: str, author_key: str) -> dict[str, bool]:
    banned, trusted = await redis.hmget(keys.authors(slug), [f"{author_key}|banned",
                                                            f"{author_key}|trusted"])
    return {"banned": banned == "1", "trusted": trusted == "1"}


async def set_author_flag(redis: Redis, slug: str, author_key: str, flag: str,
                          on: bool) -> None:
    """Ban or trust an author (flag "banned" or "trusted"); the two exclude each other."""
    other = "trusted" if flag == "banned" else "banned"
    if on:
        await redis.hset(keys.authors(slug), mapping={f"{author_key}|{flag}": "1",
                                                      f"{author_key}|{other}": "0"})
    else:
        await redis.hset(keys.authors(slug), f"{author_key}|{flag}", "0")


async def evaluate(redis: Redis, event: Event, item: Item) -> Verdict | None:
    """The automatic decision for a new item, or None to leave it to moderators."""
    if item.author_key:
        flags = await author_flags(redis, event.slug, item.author_key)
        if flags["banned"]:
            return Verdict("reject", "banned-author")
        if flags["trusted"]:
            return Verdict("approve", "trusted-author")
    if event.mode == "post":
        return Verdict("approve", "post-moderation")
    return None
