"""Create Redis clients with the settings Clameur relies on (RESP2, decoded strings)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

# redis-py 8 defaults to RESP3, where stream replies change shape: pin RESP2.
PROTOCOL = 2


def connect(url: str, cluster: bool = False) -> Redis:
    """An asyncio client for `url`; `cluster=True` routes keys over a Redis Cluster."""
    if cluster or url.startswith("redis+cluster://"):
        url = url.replace("redis+cluster://", "redis://", 1)
        return RedisCluster.from_url(  # type: ignore[return-value]
            url, decode_responses=True, protocol=PROTOCOL
        )
    return Redis.from_url(
        url, decode_responses=True, protocol=PROTOCOL, socket_connect_timeout=2,
        health_check_interval=10, max_connections=256,
    )
