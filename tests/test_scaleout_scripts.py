"""Lua scripts are called by SHA1 (EVALSHA) and reloaded when Redis has forgotten them;
inserts made together go as one call of the batched script, each with its own reply, and
are stored once whatever happens to the connection; commands are packed by hiredis as
redis-py would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import DataError, ResponseError

from tests.conftest import EventFixture, make_event
from tests.support.clients import approved
from tests.support.replycutter import ReplyCutter
from wall.models import Item, new_item_id, utc_now_iso
from wall.redis_client import HiredisPackConnection, connect
from wall.redis_server import EmbeddedRedis
from wall.store import keys
from wall.store.batch import MAX_BATCH
from wall.store.client import StoreError
from wall.store.inbox import _INSERT_BATCHED, Inserted, insert_item


async def test_posts_and_decisions_survive_a_script_flush(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """After SCRIPT FLUSH (as after a Redis restart) the next post and approval reload them."""
    first = await approved(http, event.slug, "avant", event.token)
    assert (await redis.script_exists(_INSERT_BATCHED.batched.sha)) == [True]
    await redis.script_flush()
    second = await approved(http, event.slug, "après", event.token)
    assert (await redis.script_exists(_INSERT_BATCHED.batched.sha)) == [True]
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


async def test_a_call_that_fails_in_a_batch_fails_alone(
        event: EventFixture, redis: Redis) -> None:
    """Inserts for two events sent together, one event's keys broken (a string where a
    hash is): its calls fail with Redis's error, each; the other event's are stored once,
    as if each call had gone alone."""
    broken = await make_event(redis)
    await redis.set(keys.seen(broken.slug), "not a hash")
    calls = [insert_item(redis, _item(event.slug if n % 2 else broken.slug, n))
             for n in range(20)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    good, bad = results[1::2], results[0::2]
    assert all(isinstance(r, Inserted) and r.created for r in good), good
    assert all(isinstance(r, ResponseError) and "WRONGTYPE" in str(r) for r in bad), bad
    assert await redis.xlen(keys.inbox(event.slug)) == 10
    assert await redis.xlen(keys.inbox(broken.slug)) == 0


async def test_inserts_made_together_after_a_script_flush_are_stored_once(
        event: EventFixture, redis: Redis) -> None:
    """NOSCRIPT in a shared pipeline: each call is sent again in full, stored once."""
    await redis.script_flush()
    items = [_item(event.slug, n) for n in range(20)]
    results = await asyncio.gather(*(insert_item(redis, i) for i in items))
    assert all(r.created for r in results) and len({r.id for r in results}) == 20
    assert await redis.xlen(keys.inbox(event.slug)) == 20
    assert (await redis.script_exists(_INSERT_BATCHED.batched.sha)) == [True]


async def test_inserts_made_while_a_pipeline_is_out_go_in_the_next(
        event: EventFixture, redis: Redis) -> None:
    """More calls than one pipeline holds, and calls made while pipelines are out: every
    one is stored once and gets its own reply, in waves started at different moments."""
    first = [_item(event.slug, n) for n in range(MAX_BATCH + 40)]
    waves = [asyncio.gather(*(insert_item(redis, i) for i in first))]
    later: list[Item] = []
    for wave in range(3):
        await asyncio.sleep(0)  # the first pipeline is out: these wait for the next one
        items = [_item(event.slug, 1000 * (wave + 1) + n) for n in range(30)]
        later.extend(items)
        waves.append(asyncio.gather(*(insert_item(redis, i) for i in items)))
    results = [r for wave in await asyncio.gather(*waves) for r in wave]
    items = [*first, *later]
    assert [r.id for r in results] == [i.id for i in items]
    assert all(r.created for r in results)
    assert await redis.xlen(keys.inbox(event.slug)) == len(items)
    again = await asyncio.gather(*(insert_item(redis, _item(event.slug, 9000 + n,
                                                              source_id=f"batch-{n}"))
                                   for n in range(5)))
    assert [r.id for r in again] == [i.id for i in first[:5]]
    assert not any(r.created for r in again)


async def test_inserts_sent_together_while_redis_is_down_all_fail_then_recover(
        tmp_path: Path) -> None:
    """Redis gone: every call of a shared pipeline fails with a store error (none hangs,
    none is answered as stored); back up, the same client's next calls are each stored
    once (the connection that failed is not reused with replies unread)."""
    own = EmbeddedRedis(tmp_path / "redis").start()
    client = connect(own.url)
    try:
        ev = await make_event(client)
        stored = await asyncio.gather(*(insert_item(client, _item(ev.slug, n))
                                        for n in range(20)))
        assert all(r.created for r in stored)
        own.stop(kill=True)
        down = await asyncio.wait_for(asyncio.gather(
            *(insert_item(client, _item(ev.slug, 100 + n)) for n in range(20)),
            return_exceptions=True), 30)
        assert all(isinstance(r, StoreError) for r in down), down
        own.start()
        items = [_item(ev.slug, 200 + n) for n in range(20)]
        up = await asyncio.wait_for(asyncio.gather(*(insert_item(client, i) for i in items)),
                                    30)
        assert [r.id for r in up] == [i.id for i in items] and all(r.created for r in up)
        assert await client.xlen(keys.inbox(ev.slug)) == 40
    finally:
        await client.aclose()
        own.stop()


@contextlib.asynccontextmanager
async def _through_cutter(redis_url: str, max_cuts: int
                          ) -> AsyncIterator[tuple[ReplyCutter, Redis]]:
    """A client whose connections go through a proxy that loses `max_cuts` answers."""
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    cutter = ReplyCutter(port, max_cuts=max_cuts)
    through = connect(f"redis://127.0.0.1:{await cutter.start()}/0")
    try:
        yield cutter, through
    finally:
        await through.aclose()
        await cutter.close()


async def test_inserts_whose_answer_was_lost_are_written_again_and_stored_once(
        redis_url: str, redis: Redis, event: EventFixture) -> None:
    """Redis stores a batch of inserts, but its answer never comes back (the proxy hangs
    up): the calls are written again on a new connection, and each caller gets its item's
    id; every item is stored once."""
    async with _through_cutter(redis_url, max_cuts=1) as (cutter, through):
        assert (await insert_item(through, _item(event.slug, 0))).created  # script loaded
        cutter.cutting = True
        items = [_item(event.slug, n) for n in range(1, 41)]
        results = await asyncio.wait_for(asyncio.gather(*(insert_item(through, i)
                                                          for i in items)), 30)
    assert cutter.cuts == 1
    assert [r.id for r in results] == [i.id for i in items]
    assert await redis.xlen(keys.inbox(event.slug)) == 41
    assert await redis.zcard(keys.pending(event.slug)) == 41


async def test_inserts_whose_answer_is_lost_twice_fail_and_are_stored_once(
        redis_url: str, redis: Redis, event: EventFixture) -> None:
    """The answer lost again on the new connection: each call fails with a store error
    (the phone is told to try again: 503), and what Redis stored the first time is there
    once; the lane's next calls go through."""
    async with _through_cutter(redis_url, max_cuts=2) as (cutter, through):
        assert (await insert_item(through, _item(event.slug, 0))).created
        cutter.cutting = True
        items = [_item(event.slug, n) for n in range(1, 21)]
        results = await asyncio.wait_for(asyncio.gather(
            *(insert_item(through, i) for i in items), return_exceptions=True), 30)
        assert cutter.cuts == 2
        assert all(isinstance(r, StoreError) for r in results), results
        assert await redis.xlen(keys.inbox(event.slug)) == 21
        again = await insert_item(through, items[0])  # the phone's retry: the first copy
    assert again.id == items[0].id and not again.created
    assert await redis.xlen(keys.inbox(event.slug)) == 21


async def test_inserts_after_the_pool_closed_its_connections_reconnect(
        redis_url: str, redis: Redis, event: EventFixture) -> None:
    """The client's pool closes every connection, the batches' one included (as redis-py
    does after some errors): the next inserts connect again and are each stored once."""
    client = connect(redis_url)
    try:
        first = await asyncio.gather(*(insert_item(client, _item(event.slug, n))
                                       for n in range(40)))
        await client.connection_pool.disconnect()
        items = [_item(event.slug, 100 + n) for n in range(40)]
        again = await asyncio.wait_for(asyncio.gather(*(insert_item(client, i)
                                                        for i in items)), 30)
        assert all(r.created for r in [*first, *again])
        assert [r.id for r in again] == [i.id for i in items]
        assert await redis.xlen(keys.inbox(event.slug)) == 80
    finally:
        await client.aclose()


async def test_callers_that_give_up_leave_the_others_their_replies(
        redis_url: str, redis: Redis, event: EventFixture) -> None:
    """Half the callers of a batch held by Redis are cancelled (their phones left): the
    others get their replies, the batch was stored whole (it was sent), and the next
    inserts go through."""
    client = connect(redis_url)
    try:
        await insert_item(client, _item(event.slug, 0))  # the lane is connected
        await redis.client_pause(10_000, all=False)  # write commands wait: the batch is out
        items = [_item(event.slug, n) for n in range(1, 21)]
        calls = [asyncio.ensure_future(insert_item(client, i)) for i in items]
        await asyncio.sleep(0.2)
        for call in calls[::2]:
            call.cancel()
        await redis.client_unpause()
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 30)
        assert all(isinstance(r, asyncio.CancelledError) for r in results[::2])
        assert [r.id for r in results[1::2]] == [i.id for i in items[1::2]]  # type: ignore[union-attr]
        assert await redis.xlen(keys.inbox(event.slug)) == 21
        assert (await insert_item(client, _item(event.slug, 99))).created
    finally:
        await redis.client_unpause()
        await client.aclose()


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
