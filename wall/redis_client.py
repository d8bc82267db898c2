"""Create Redis clients with the settings Clameur relies on (RESP2, decoded strings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.client import EMPTY_RESPONSE

# redis-py 8 defaults to RESP3, where stream replies change shape: pin RESP2.
PROTOCOL = 2


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


def connect(url: str, cluster: bool = False) -> Redis:
    """An asyncio client for `url`; `cluster=True` routes keys over a Redis Cluster."""
    if cluster or url.startswith("redis+cluster://"):
        url = url.replace("redis+cluster://", "redis://", 1)
        client = RedisCluster.from_url(url, decode_responses=True, protocol=PROTOCOL)
        callbacks = client.response_callbacks
        for name, callback in list(callbacks.items()):
            callbacks[name] = _tolerant(callback)
        return client  # type: ignore[return-value]
    return Redis.from_url(
        url, decode_responses=True, protocol=PROTOCOL, socket_connect_timeout=2,
        health_check_interval=10, max_connections=256,
    )
