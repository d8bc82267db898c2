"""Create Redis clients with the settings Clameur relies on (RESP2, decoded strings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hiredis
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import Connection
from redis.client import EMPTY_RESPONSE
from redis.exceptions import DataError

# redis-py 8 defaults to RESP3, where stream replies change shape: pin RESP2.
PROTOCOL = 2
# Connections one process may hold at once. Past the cap a command waits for a connection
# (up to POOL_WAIT seconds) instead of failing: a room that scans the QR code at once sends
# more concurrent requests than any sensible cap (redis-py's default pool raises "Too many
# connections" at the cap, which became HTTP 503s). Each hub reader holds one connection
# while it blocks on XREAD, so the cap leaves room for many events.
POOL_SIZE = 256
POOL_WAIT = 10.0


def _tolerant(callback: Callable[..., Any]) -> Callable[..., Any]:
    """A reply parser that ignores the routing options redis-py leaves in a command.

    redis-py 8.1's cluster *transaction* (MULTI/EXEC on one slot) passes a command's
    options, `keys` included, to parsers such as XREVRANGE's that accept none, and fails
    with a TypeError; its other code paths strip them first. We strip them here too.
    """

    def parse(response: Any, **options: Any) -> Any:
        options.pop("keys", None)
        options.pop(EMPTY_RESPONSE, None)
        return callback(response, **options)

    return parse


class HiredisPackConnection(Connection):
    """A connection that packs commands with hiredis (C), as redis-py's synchronous client
    does (`redis.connection.HiredisRespSerializer`, same rules); the asyncio connection
    packs in Python, re-joining its buffer once per argument: a post's insert script
    (16 arguments and more) spent more time packed than sent (docs/performance.md)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str):
            args = tuple(args[0].encode().split()) + args[1:]
        elif b" " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        try:  # str, bytes, int, float, memoryview: a command's arguments nearly always
            return [hiredis.pack_command(args)]
        except TypeError:
            pass
        args = tuple(bytes(a) if isinstance(a, bytearray | memoryview) else a for a in args)
        try:
            return [hiredis.pack_command(args)]
        except TypeError as exc:  # None, bool, other objects: what redis-py's encoder refuses
            raise DataError(str(exc)) from exc


def connect(url: str, cluster: bool = False) -> Redis:
    """An asyncio client for `url`; `cluster=True` routes keys over a Redis Cluster."""
    if cluster or url.startswith("redis+cluster://"):
        url = url.replace("redis+cluster://", "redis://", 1)
        client = RedisCluster.from_url(url, decode_responses=True, protocol=PROTOCOL)
        callbacks = client.response_callbacks
        for name, callback in list(callbacks.items()):
            callbacks[name] = _tolerant(callback)
        return client  # type: ignore[return-value]
    pool = BlockingConnectionPool.from_url(
        url, decode_responses=True, protocol=PROTOCOL, socket_connect_timeout=2,
        health_check_interval=10, max_connections=POOL_SIZE, timeout=POOL_WAIT,
        # redis:// only: a rediss:// or unix:// URL names its own class, which wins.
        connection_class=HiredisPackConnection,
    )
    return Redis.from_pool(pool)
