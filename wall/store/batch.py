"""Calls of one Lua script made by concurrent requests, sent to Redis as one call.

Every post is one call of the insert script. Under load, many requests reach that call
together; sent one by one, each pays redis-py's fixed cost (a connection taken from the
pool and given back, a write, a read and its timeout): about two thirds of a post's time in
Redis's client, measured in docs/performance.md. Here the calls are queued per client and
sent as ONE call of a batched form of the script, which runs the script's body once per
call, in the order the calls were made, and answers the list of their replies: one
command to pack, one reply to read, one script run for Redis to dispatch, whatever the
batch's size (a pipeline of N calls still read N replies, each through redis-py's
machinery: a tenth of a post's time).

Each call stays on its own as a script call would: its body runs in a protected call
(`pcall`), so an error (a Redis error or the script's own) becomes that call's reply, an
error raised to its caller alone, and the calls before and after it run as usual. As for
separate calls, what a call wrote before failing stays written.

One batch per client is out at a time: the calls made while it is out go together in the
next one as soon as its reply is in (at most MAX_BATCH per batch), so the busier the
server, the larger the batches. A lone call on an idle client waits one turn of the event
loop, no more. A failed batch (Redis unreachable, a connection lost) fails every call of it
with the same error, as each call alone would have; redis-py's retry policy applies to it
as to any command. A Redis that does not know the batched script (NOSCRIPT, after a
restart) is sent it in full (`LuaScript`). On a Redis Cluster the calls go one by one
(`LuaScript` routes each by its first key).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from wall.store.client import Client
from wall.store.scripts import LuaScript

MAX_BATCH = 256  # calls per batch at most; more wait for the next one

_Call = tuple[list[str], list[Any], "asyncio.Future[Any]"]

# ARGV[1]: the number of calls; then each call's number of keys and of arguments; then
# every call's arguments in turn (KEYS: every call's keys in turn). The script's body sees
# its own KEYS and ARGV, as when called alone.
_BATCHED = """
local calls = tonumber(ARGV[1])
local all_keys, all_args = KEYS, ARGV
local body = function(KEYS, ARGV)
{body}
end
local replies = {{}}
local k, a = 0, 1 + 2 * calls
for c = 1, calls do
  local nk, na = tonumber(all_args[2 * c]), tonumber(all_args[2 * c + 1])
  local ok, reply = pcall(body, {{unpack(all_keys, k + 1, k + nk)}},
                          {{unpack(all_args, a + 1, a + na)}})
  k, a = k + nk, a + na
  if not ok then
    if type(reply) == 'table' and reply.err then
      replies[c] = reply
    else
      replies[c] = {{err = tostring(reply)}}
    end
  elseif reply == nil then
    replies[c] = false
  else
    replies[c] = reply
  end
end
return replies
"""


class BatchedScript:
    """`await script(redis, keys, args)` like a `LuaScript`, batched per client."""

    def __init__(self, script: LuaScript) -> None:
        self.script = script
        self.batched = LuaScript(_BATCHED.format(body=script.source))
        self._lanes: weakref.WeakKeyDictionary[Client, _Lane] = weakref.WeakKeyDictionary()

    async def __call__(self, redis: Client, keys: list[str], args: list[Any]) -> Any:
        lane = self._lanes.get(redis)
        if lane is None:
            # Once per client: isinstance against redis-py's classes goes through typing's
            # Protocol checks, about a microsecond each time.
            if isinstance(redis, RedisCluster):
                return await self.script(redis, keys, args)
            lane = self._lanes[redis] = _Lane(self.batched, redis)
        return await lane.call(keys, args)


class _Lane:
    """The calls waiting for one client, and whether a batch of them is out."""

    def __init__(self, batched: LuaScript, redis: Client) -> None:
        self.batched = batched
        # The lane lives as long as its client (the WeakKeyDictionary's value): no cycle.
        self.redis = weakref.ref(redis)
        self.queue: list[_Call] = []
        self.busy = False  # a flush is scheduled or a batch is out

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
            await _settle(self.batched, redis, batch)
        finally:
            # The calls made while this batch was out go next, at once.
            self._flush()


async def _settle(batched: LuaScript, redis: Client, batch: list[_Call]) -> None:
    """Run `batch` as one call and give each caller its reply or error."""
    keys: list[str] = []
    args: list[Any] = [len(batch)]
    for call_keys, call_args, _ in batch:
        args.append(len(call_keys))
        args.append(len(call_args))
        keys += call_keys
    for _, call_args, _ in batch:
        args += call_args
    try:
        replies = await batched(redis, keys, args)
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
        if isinstance(reply, ResponseError):
            future.set_exception(reply)
        else:
            future.set_result(reply)


# Tasks sending a batch, held so that none is garbage-collected while it runs.
_RUNNING: set[asyncio.Task[None]] = set()
