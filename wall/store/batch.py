"""Calls of one Lua script made by concurrent requests, sent to Redis as one call.

Every post is one call of the insert script. Under load, many requests reach that call
together; sent one by one, each pays redis-py's fixed cost (a connection taken from the
pool and given back, a write, a read and its timeout): about two thirds of a post's time in
Redis's client, measured in docs/performance.md. Here the calls are queued per client and
sent as ONE call of a batched form of the script, which runs the script's body once per
call, in the order the calls were made, and answers the list of their replies: one
command to pack, one reply to read, one script run for Redis to dispatch, whatever the
batch's size.

Each call stays on its own as a script call would: its body runs in a protected call
(`pcall`), so an error (a Redis error or the script's own) becomes that call's reply, an
error raised to its caller alone, and the calls before and after it run as usual. As for
separate calls, what a call wrote before failing stays written.

Batches are written on one connection per client, held by the batches alone, and
pipelined: a batch is written as soon as FLUSH_AT calls wait, at once, in the middle of the
event loop's turn, or at the end of the turn for fewer; Redis runs it while the server
goes on with the next requests, and the replies are read in order by one reader. (With
one batch out at a time, the server waited, idle, for each batch that every waiting
request was in: ~10-16 % of its time under load.) A lone call on an idle client is written
at the end of its turn of the event loop, no later.

Failures: a batch whose reply is an error (NOSCRIPT aside) fails each of its calls with it.
A Redis that does not know the batched script (NOSCRIPT, after a restart) is sent the batch
again in full (EVAL), which loads it. A lost connection fails nothing at first: the calls of
the batches written on it are written again, once, on a new connection (the insert script
stores an item once by its de-duplication key, so a batch that ran before its reply was lost
is not stored twice); if that fails too, or no connection can be made (Redis down), each
call fails with the error. On a Redis Cluster the calls go one by one (`LuaScript` routes
each by its first key).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError, NoScriptError, ResponseError

from wall.store.client import Client
from wall.store.scripts import LuaScript

MAX_BATCH = 256  # calls per batch at most; more go in the next
FLUSH_AT = 32  # calls waiting: written at once (measured best of 8, 16, 32, 64 at 64 connections)
RETRIES = 1  # times a call is written again after its connection was lost

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


@dataclass(slots=True)
class _Call:
    keys: list[str]
    args: list[Any]
    future: asyncio.Future[Any]
    tries: int = 0


@dataclass(slots=True)
class _Written:
    calls: list[_Call]
    in_full: bool  # EVAL (after NOSCRIPT) rather than EVALSHA


class _Lane:
    """The calls waiting for one client, its batch connection and the batches written on
    it whose replies are still to be read, in order."""

    def __init__(self, batched: LuaScript, redis: Client) -> None:
        self.batched = batched
        # The lane lives as long as its client (the WeakKeyDictionary's value): no cycle.
        self.redis = weakref.ref(redis)
        self.queue: list[_Call] = []
        self.flush_scheduled = False
        self.conn: Connection | None = None
        self.broken = False  # the connection was lost: connect it again before writing
        self.connecting = False
        self.written: deque[_Written] = deque()
        self.reading = False

    def call(self, keys: list[str], args: list[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.queue.append(_Call(keys, args, future))
        if len(self.queue) >= FLUSH_AT:
            self._flush()
        elif not self.flush_scheduled:
            self.flush_scheduled = True
            loop.call_soon(self._end_of_turn)
        return future

    def _end_of_turn(self) -> None:
        self.flush_scheduled = False
        self._flush()

    def _flush(self) -> None:
        conn = self.conn
        if conn is None or self.broken or not conn.is_connected:
            if not self.connecting:
                self.connecting = True
                _spawn(self._connect())
            return
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            self._write(conn, _Written(batch, in_full=False))

    async def _connect(self) -> None:
        """The lane's connection (the first: taken from the client's pool, and kept),
        connected again after a loss; then what waits is written."""
        try:
            redis = self.redis()
            if redis is None:
                return
            if self.conn is None:
                self.conn = await redis.connection_pool.get_connection()
            else:
                await self.conn.disconnect()
                await self.conn.connect()
            self.broken = False
        except Exception as exc:  # noqa: BLE001 - every waiting caller gets what happened
            calls, self.queue = self.queue, []
            _fail(calls, exc)
            return
        finally:
            self.connecting = False
        self._flush()

    def _write(self, conn: Connection, written: _Written) -> None:
        """Written now, without awaiting: the reply is read by the lane's reader."""
        keys: list[str] = []
        args: list[Any] = [len(written.calls)]
        for call in written.calls:
            args.append(len(call.keys))
            args.append(len(call.args))
            keys += call.keys
        for call in written.calls:
            args += call.args
        command, script = (("EVAL", self.batched.source) if written.in_full
                           else ("EVALSHA", self.batched.sha))
        try:
            packed = conn.pack_command(command, script, len(keys), *keys, *args)
        except DataError as exc:  # an argument Redis cannot take: as one call alone
            _fail(written.calls, exc)
            return
        self.written.append(written)
        try:
            # redis-py writes in a coroutine that awaits the buffer's drain: started as a
            # task, it would write at the next turn of the loop, after this turn's requests.
            conn._writer.writelines(packed)  # type: ignore[union-attr]  # noqa: SLF001
        except Exception as exc:  # noqa: BLE001 - a transport already closed
            if self.reading:  # the reader, waiting on this connection, meets the loss
                self.broken = True
                _spawn(conn.disconnect())
            else:
                self._lost(exc)
            return
        if not self.reading:
            self.reading = True
            _spawn(self._read(conn))

    async def _read(self, conn: Connection) -> None:
        """The replies of the batches written on `conn`, in order, while any is out."""
        while self.written:
            try:
                replies = await conn.read_response()
            except ResponseError as exc:  # the batch's reply is an error
                written = self.written.popleft()
                if isinstance(exc, NoScriptError) and not written.in_full:
                    self._write(conn, _Written(written.calls, in_full=True))
                else:
                    _fail(written.calls, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - the connection is lost
                self.reading = False
                self._lost(exc)
                return
            except BaseException:  # cancelled (the server stops): nothing is written again
                self.reading = False
                _fail(self._take_written(),
                      RedisConnectionError("the call was cancelled with its batch"))
                raise
            _settle(self.written.popleft().calls, replies)
        self.reading = False

    def _lost(self, exc: Exception) -> None:
        """The calls of the batches written on a lost connection: written again on a new
        one, once; failed with `exc` the second time."""
        self.broken = True
        calls = self._take_written()
        _fail([call for call in calls if call.tries >= RETRIES], exc)
        again = [call for call in calls if call.tries < RETRIES and not call.future.done()]
        for call in again:
            call.tries += 1
        self.queue = again + self.queue
        if self.queue:
            self._flush()

    def _take_written(self) -> list[_Call]:
        """The calls of every batch written and not yet answered, no longer awaited."""
        calls = [call for written in self.written for call in written.calls]
        self.written.clear()
        return calls


def _settle(calls: list[_Call], replies: list[Any]) -> None:
    """Each caller its reply, or its error."""
    for call, reply in zip(calls, replies, strict=True):
        if call.future.done():  # its caller gave up (cancelled): the script ran anyway
            continue
        if isinstance(reply, ResponseError):
            call.future.set_exception(reply)
        else:
            call.future.set_result(reply)


def _fail(calls: list[_Call], exc: Exception) -> None:
    for call in calls:
        if not call.future.done():
            call.future.set_exception(exc)


def _spawn(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(work)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


# The lanes' tasks (connecting, reading), held so that none is garbage-collected while it runs.
_RUNNING: set[asyncio.Task[None]] = set()
