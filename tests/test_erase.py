"""Erasure, retention and deletion: what is forgotten is gone from every key of the event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from tests.support.clients import FeedClient
from tests.support.seeded import seed_event
from tests.support.servers import ServerProcess
from tests.test_export import run_cli
from wall.reporting.dataset import approved_items
from wall.store import keys
from wall.store.erasure import apply_retention, erase_author

ZOE_KEY = "sms:5f1e0a9c2b7d4e6f8a10"


async def dump(redis: Redis, slug: str) -> list[tuple[str, str]]:
    """Every (key, value) of the event as text: hash fields, members, stream entries..."""
    out: list[tuple[str, str]] = []
    async for key in redis.scan_iter(match=f"ev:{{{slug}}}:*"):
        kind = await redis.type(key)
        if kind == "string":
            out.append((key, await redis.get(key)))
        elif kind == "hash":
            out += [(key, f"{f}={v}") for f, v in (await redis.hgetall(key)).items()]
        elif kind == "set":
            out += [(key, m) for m in await redis.smembers(key)]
        elif kind == "zset":
            out += [(key, m) for m in await redis.zrange(key, 0, -1)]
        elif kind == "list":
            out += [(key, v) for v in await redis.lrange(key, 0, -1)]
        elif kind == "stream":
            out += [(key, repr(f)) for _, f in await redis.xrange(key)]
        out.append((key, key))
    return out


async def test_erasing_an_author_leaves_no_key_mentioning_them(redis: Redis) -> None:
    """By displayed name: items, inbox, seen, state, audit, flags, nicknames — all gone."""
    seeded = await seed_event(redis)
    slug = seeded.slug
    zoe = {i: it for i, it in {**seeded.approved, **seeded.hidden}.items() if it.author == "Zoé"}
    assert len(zoe) == 2
    await redis.hset(keys.sms_names(slug), ZOE_KEY, "Zoé")  # kept by the SMS part
    await redis.hset(keys.sms_parts(slug, ZOE_KEY, "7"), "1", '{"text": "partie"}')
    await redis.hset(keys.authors(slug), f"{ZOE_KEY}|trusted", "1")

    done = await erase_author(redis, slug, "Zoé")
    assert done.item_ids == set(zoe) and done.author_keys == {ZOE_KEY}
    assert done.retracted == 1

    markers = {ZOE_KEY, ZOE_KEY.split(":")[1], "Zoé"}
    for item in zoe.values():
        markers |= {item.text, f"{item.source}:{item.source_id}", item.url or ""}
    for key, value in await dump(redis, slug):
        for marker in markers:
            assert marker not in value, f"{marker!r} still in {key}"
        for item_id in zoe:
            if item_id in value:
                assert key == keys.feed(slug) and "'type': 'retract'" in value, (key, value)
    others = {i.id for i in await approved_items(redis, slug)}
    assert others == set(seeded.approved) - set(zoe)


async def test_erasing_by_author_key_takes_the_item_off_a_live_wall(
        redis_url: str, server: ServerProcess, redis: Redis) -> None:
    """`clameur erase --author KEY --yes`: a connected wall gets a retract; a new one never
    sees the item."""
    seeded = await seed_event(redis)
    zoe_on_wall = next(i for i, it in seeded.approved.items() if it.author_key == ZOE_KEY)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{seeded.slug}")
    snap = await wall.next("snapshot")
    assert zoe_on_wall in [i["id"] for i in snap["items"]]
    out = await asyncio.to_thread(run_cli, redis_url, "erase", seeded.slug, "--author",
                                  ZOE_KEY, "--yes")
    assert "erased 2 item(s)" in out
    frame = await wall.next("retract")
    assert frame["id"] == zoe_on_wall
    await wall.close()
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{seeded.slug}")
    snap = await fresh.next("snapshot")
    assert zoe_on_wall not in [i["id"] for i in snap["items"]]
    assert len(snap["items"]) == len(seeded.approved) - 1
    await fresh.close()


async def test_retention_trims_old_inbox_entries_and_rejected_texts(redis: Redis) -> None:
    """Entries older than the retention go; younger ones and approved items stay."""
    seeded = await seed_event(redis)
    slug = seeded.slug
    inbox_len = await redis.xlen(keys.inbox(slug))
    assert inbox_len == len(seeded.approved) + len(seeded.hidden)

    kept = await apply_retention(redis, slug, days=30)
    assert (kept.inbox_trimmed, kept.rejected_forgotten) == (0, 0)
    assert await redis.xlen(keys.inbox(slug)) == inbox_len

    later = datetime.now(UTC) + timedelta(days=31)
    done = await apply_retention(redis, slug, days=30, now=later)
    assert done.inbox_trimmed == inbox_len and await redis.xlen(keys.inbox(slug)) == 0
    rejected = [i for i, it in seeded.hidden.items() if it.author == "Troll"]
    assert done.rejected_forgotten == 1
    assert await redis.hget(keys.items(slug), rejected[0]) is None
    assert await redis.hget(keys.state(slug), rejected[0]) == "rejected"
    assert {i.id for i in await approved_items(redis, slug)} == set(seeded.approved)


async def test_event_delete_removes_every_key_including_dynamic_ones(
        redis_url: str, redis: Redis, tmp_path: Path) -> None:
    """`clameur event delete --yes` leaves no `ev:{slug}:*` key and no index entry."""
    seeded = await seed_event(redis)
    await redis.hset(keys.sms_parts(seeded.slug, ZOE_KEY, "9"), "1", "x")
    await redis.set(keys.source_cursor(seeded.slug, "mastodon"), "123")
    assert len(await dump(redis, seeded.slug)) > 20
    await asyncio.to_thread(run_cli, redis_url, "event", "delete", seeded.slug, "--yes")
    assert await dump(redis, seeded.slug) == []
    assert not await redis.sismember(keys.EVENTS_INDEX, seeded.slug)
