"""Lua scripts are called by SHA1 (EVALSHA) and reloaded when Redis has forgotten them;
inserts made together share a pipeline; commands are packed by hiredis as redis-py would."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import DataError

from tests.conftest import EventFixture
from tests.support.clients import approved
from wall.models import Item, new_item_id, utc_now_iso
from wall.redis_client import HiredisPackConnection
from wall.store import keys
from wall.store.inbox import _INSERT_SCRIPT, insert_item


async def test_posts_and_decisions_survive_a_script_flush(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """After SCRIPT FLUSH (as after a Redis restart) the next post and approval reload them."""
    first = await approved(http, event.slug, "avant", event.token)
    assert (await redis.script_exists(_INSERT_SCRIPT.sha)) == [True]
    await redis.script_flush()
    second = await approved(http, event.slug, "après", event.token)
    assert (await redis.script_exists(_INSERT_SCRIPT.sha)) == [True]
    feed = await redis.xrange(keys.feed(event.slug))
    assert [fields["id"] for _, fields in feed] == [first, second]


def _item(slug: str, n: int, source_id: str = "") -> Item:
    return Item(id=new_item_id() + f"{n:04d}", event=slug, source="web",
                source_id=source_id or f"batch-{n}", author="Camille", text=f"message {n}",
                received_at=utc_now_iso())


async def test_inserts_made_together_each_get_their_own_reply(
        event: EventFixture, redis: Redis) -> None:
    """Sixty concurrent inserts (sent in shared pipelines) are stored once each; repeats of
    a source id get the first copy's id; a closed event refuses only the calls that ask."""
    items = [_item(event.slug, n) for n in range(50)]
    repeats = [_item(event.slug, 100 + n, source_id=f"batch-{n}") for n in range(10)]
    results = await asyncio.gather(*(insert_item(redis, i) for i in [*items, *repeats]))
    assert [r.created for r in results] == [True] * 50 + [False] * 10
    assert [r.id for r in results[50:]] == [i.id for i in items[:10]]
    assert await redis.xlen(keys.inbox(event.slug)) == 50
    await redis.hset(keys.meta(event.slug), "status", "closed")
    mixed = await asyncio.gather(insert_item(redis, _item(event.slug, 200), "open"),
                                 insert_item(redis, _item(event.slug, 201)))
    assert mixed[0].refused == "closed" and mixed[1].created


async def test_inserts_made_together_after_a_script_flush_are_stored_once(
        event: EventFixture, redis: Redis) -> None:
    """NOSCRIPT in a shared pipeline: each call is sent again in full, stored once."""
    await redis.script_flush()
    items = [_item(event.slug, n) for n in range(20)]
    results = await asyncio.gather(*(insert_item(redis, i) for i in items))
    assert all(r.created for r in results) and len({r.id for r in results}) == 20
    assert await redis.xlen(keys.inbox(event.slug)) == 20
    assert (await redis.script_exists(_INSERT_SCRIPT.sha)) == [True]


def test_commands_packed_by_hiredis_are_the_bytes_redis_py_packs() -> None:
    """The hiredis packer sends what redis-py's own packer sends, and refuses what it
    refuses (None, booleans)."""
    args = ("EVALSHA", "a" * 40, 3, "{s}:k", "é€😀", b"\x00bytes", 2**63 - 1, -7, 0.1,
            1e20, "x" * 10_000, bytearray(b"ba"), memoryview(b"mv"), "")
    python = Connection(decode_responses=True)
    packed = HiredisPackConnection(decode_responses=True)
    assert b"".join(packed.pack_command(*args)) == b"".join(python.pack_command(*args))
    assert b"".join(packed.pack_command("CONFIG GET", "dir")) == \
        b"".join(python.pack_command("CONFIG GET", "dir"))
    for wrong in (None, True):
        with pytest.raises(DataError):
            python.pack_command("SET", "k", wrong)
        with pytest.raises(DataError):
            packed.pack_command("SET", "k", wrong)
