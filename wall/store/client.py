"""The store's client type and its failures, named so that the layers above never import
the Redis library: they hold a `Client` and catch `StoreError`."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

Client = Redis
# Redis answered with an error, or could not be reached (connection refused, reset, timeout).
StoreError = (RedisError, OSError)
