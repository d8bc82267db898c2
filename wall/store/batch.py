"""Calls of one Lua script made by concurrent requests, sent to Redis together.

Every post is one call of the insert script. Under load, many requests reach that call
together; sent one by one, each pays redis-py's fixed cost (a connection taken from the
pool and given back, its timeouts, a write and a read): about two thirds of a post's time
in Redis's client, measured in docs/performance.md. Here the calls are queued per client
and sent in one pipeline (no transaction: each script is atomic on its own, and runs in
the order it was made), and each caller gets its own reply or error.

One pipeline per client is in flight at a time: the calls made while it is out go together
in the next one as soon as its replies are in (at most MAX_BATCH per pipeline), so the
busier the server, the larger the batches. A lone call on an idle client waits one turn of
the event loop, no more. The pipeline is written by hand on one pooled connection (every
call packed by hiredis, written at once, the replies read in order): redis-py's
`Pipeline` spent more Python per call than the call's own work (docs/performance.md).

A script Redis does not know (NOSCRIPT, after a restart) is sent again in full for the
calls that got it. A failed pipeline (Redis unreachable, a connection lost) fails every
call of it with the same error, as each call alone would have; the connection is then
closed (never reused with replies unread) and the client's retry policy applies, as in
redis-py's own pipeline. On a Redis Cluster the calls go one by one (`LuaScript` routes
each by its first key).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import hiredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from wall.store.client import Client
from wall.store.scripts import LuaScript

MAX_BATCH = 256  # calls per pipeline at most; more wait for the next one

_Call = tuple[list[str], list[Any], "asyncio.Future[Any]"]


class BatchedScript:
    """`await script(redis, keys, args)` like a `LuaScript`, batched per client."""

    def __init__(self, script: LuaScript) -> None:
        self.script = script
        self._lanes: weakref.WeakKeyDictionary[Client, _Lane] = weakref.WeakKeyDictionary()

    async def __call__(self, redis: Client, keys: list[str], args: list[Any]) -> Any:
        lane = self._lanes.get(redis)
        if lane is None:
            # Once per client: isinstance against redis-py's classes goes through typing's
            # Protocol checks, about a microsecond each time.
            if isinstance(redis, RedisCluster):
                return await self.script(redis, keys, args)
            lane = self._lanes[redis] = _Lane(self.script, redis)
        return await lane.call(keys, args)


class _Lane:
    """The calls waiting for one client, and whether a pipeline of them is out."""

    def __init__(self, script: LuaScript, redis: Client) -> None:
        self.script = script
        # The lane lives as long as its client (the WeakKeyDictionary's value): no cycle.
        self.redis = weakref.ref(redis)
        self.queue: list[_Call] = []
        self.busy = False  # a flush is scheduled or a pipeline is out

    def call(self, keys: list[str], args: list[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.queue.append((keys, args, future))
        if not self.busy:
            self.busy = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        redis = self.redis()
        if not self.queue or redis is None:
            self.busy = False
            return
        batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
        task = asyncio.create_task(self._send(redis, batch))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    async def _send(self, redis: Client, batch: list[_Call]) -> None:
        try:
            await _settle(self.script, redis, batch)
        finally:
            # The calls made while this pipeline was out go next, at once.
            self._flush()


async def _settle(script: LuaScript, redis: Client, batch: list[_Call]) -> None:
    """Run `batch` and give each caller its reply or error."""
    try:
        if len(batch) == 1:
            keys, args, _ = batch[0]
            replies: list[Any] = [await _reply(script, redis, keys, args)]
        else:
            replies = await _pipeline(script, redis, batch)
            for n, ((keys, args, _), reply) in enumerate(zip(batch, replies, strict=True)):
                if isinstance(reply, NoScriptError):
                    replies[n] = await _reply(script, redis, keys, args)
    except BaseException as exc:  # noqa: BLE001 - every caller gets what happened
        failure = exc if isinstance(exc, Exception) else RedisConnectionError(
            "the call was cancelled with its batch")
        for _, _, future in batch:
            if not future.done():
                future.set_exception(failure)
        if not isinstance(exc, Exception):
            raise
        return
    for (_, _, future), reply in zip(batch, replies, strict=True):
        if future.done():  # its caller gave up (cancelled): the script ran anyway
            continue
        if isinstance(reply, Exception):
            future.set_exception(reply)
        else:
            future.set_result(reply)


async def _pipeline(script: LuaScript, redis: Client, batch: list[_Call]) -> list[Any]:
    """Every call of `batch` by SHA1 in one write on one pooled connection, the replies in
    order; an error Redis answered (NOSCRIPT included) is returned in its place."""
    pool = redis.connection_pool
    conn: AbstractConnection = await pool.get_connection()
    try:
        commands = [script.command(keys, args) for keys, args, _ in batch]
        try:  # RESP, as every connection packs str (UTF-8), bytes and numbers, in C
            packed = [hiredis.pack_command(command) for command in commands]
        except TypeError:  # another type: the connection's own packer says what it makes of it
            packed = conn.pack_commands(commands)

        async def exchange() -> list[Any]:
            await conn.send_packed_command(packed)
            replies: list[Any] = []
            for _ in batch:
                try:
                    replies.append(await conn.read_response())
                except ResponseError as exc:
                    replies.append(exc)
            return replies

        async def failed(error: Exception) -> None:
            await conn.disconnect()

        # read_response closes the connection on any other failure, cancellation included:
        # a connection goes back to the pool with every reply read, or closed.
        replies: list[Any] = await conn.retry.call_with_retry(exchange, failed)
        return replies
    finally:
        await pool.release(conn)


async def _reply(script: LuaScript, redis: Client, keys: list[str], args: list[Any]) -> Any:
    """One call on its own; an error Redis answered is returned, not raised."""
    try:
        return await script(redis, keys, args)
    except ResponseError as exc:
        return exc


# Tasks sending a batch, held so that none is garbage-collected while it runs.
_RUNNING: set[asyncio.Task[None]] = set()
