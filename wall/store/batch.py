"""Calls of one Lua script made by concurrent requests, sent to Redis together.

Every post is one call of the insert script. Under load, many requests reach that call in
the same turn of the event loop; sent one by one, each pays redis-py's fixed cost (a
connection taken from the pool and given back, its timeouts, the retry wrapper, a write
and a read): about two thirds of a post's time in Redis's client, measured in
docs/performance.md. Here the calls made in one turn are queued and sent in one pipeline
(no transaction: each script is atomic on its own, and runs in the order it was made), and
each caller gets its own reply or error. A lone call waits one turn of the loop, no more.

A script Redis does not know (NOSCRIPT, after a restart) is sent again in full for the
calls that got it. A failed pipeline (Redis unreachable) fails every call of it with the
same error, as each call alone would have. On a Redis Cluster the calls go one by one
(`LuaScript` routes each by its first key).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from wall.store.client import Client
from wall.store.scripts import LuaScript

MAX_BATCH = 256  # calls per pipeline at most; more wait for the next one

_Call = tuple[list[str], list[Any], "asyncio.Future[Any]"]


class BatchedScript:
    """`await script(redis, keys, args)` like a `LuaScript`, batched per client and turn."""

    def __init__(self, script: LuaScript) -> None:
        self.script = script
        self._queues: weakref.WeakKeyDictionary[Client, list[_Call]] = (
            weakref.WeakKeyDictionary())

    async def __call__(self, redis: Client, keys: list[str], args: list[Any]) -> Any:
        if isinstance(redis, RedisCluster):
            return await self.script(redis, keys, args)
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(redis, [])
        future: asyncio.Future[Any] = loop.create_future()
        queue.append((keys, args, future))
        if len(queue) == 1:
            loop.call_soon(self._flush, redis)
        return await future

    def _flush(self, redis: Client) -> None:
        queue = self._queues.get(redis)
        if not queue:
            return
        batch, rest = queue[:MAX_BATCH], queue[MAX_BATCH:]
        self._queues[redis] = rest
        if rest:
            asyncio.get_running_loop().call_soon(self._flush, redis)
        task = asyncio.create_task(self._send(redis, batch))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    async def _send(self, redis: Client, batch: list[_Call]) -> None:
        try:
            if len(batch) == 1:
                keys, args, _ = batch[0]
                replies: list[Any] = [await _reply(self.script, redis, keys, args)]
            else:
                async with redis.pipeline(transaction=False) as pipe:
                    for keys, args, _ in batch:
                        self.script.queue(pipe, keys, args)
                    replies = await pipe.execute(raise_on_error=False)
                for n, ((keys, args, _), reply) in enumerate(zip(batch, replies, strict=True)):
                    if isinstance(reply, NoScriptError):
                        replies[n] = await _reply(self.script, redis, keys, args)
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


async def _reply(script: LuaScript, redis: Client, keys: list[str], args: list[Any]) -> Any:
    """One call on its own; an error Redis answered is returned, not raised."""
    try:
        return await script(redis, keys, args)
    except ResponseError as exc:
        return exc


# Tasks sending a batch, held so that none is garbage-collected while it runs.
_RUNNING: set[asyncio.Task[None]] = set()
