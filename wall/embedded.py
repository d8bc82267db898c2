"""Find the Redis to use: REDIS_URL, the embedded one already running for this data
directory, or a new embedded redis-server owned by this process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import redis

from wall.config import Settings
from wall.redis_server import EmbeddedRedis

PORT_FILE = "redis.port"


def _running(data_dir: Path) -> str | None:
    """The URL of an embedded Redis another clameur process runs on `data_dir`."""
    port_file = data_dir / PORT_FILE
    if not port_file.is_file():
        return None
    port = port_file.read_text().strip()
    client = redis.Redis(port=int(port), socket_connect_timeout=0.5, protocol=2,
                         decode_responses=True)
    try:
        directory = client.config_get("dir").get("dir", "")
    except (redis.RedisError, ValueError):
        return None
    finally:
        client.close()
    return f"redis://127.0.0.1:{port}/0" if Path(directory) == data_dir.resolve() else None


@contextlib.contextmanager
def redis_for(settings: Settings) -> Iterator[str]:
    """Yield a Redis URL; an embedded server started here is stopped on exit."""
    if settings.redis_url:
        yield settings.redis_url
        return
    data_dir = Path(settings.data_dir).resolve()
    shared = _running(data_dir)
    if shared:
        yield shared
        return
    server = EmbeddedRedis(data_dir).start()
    (data_dir / PORT_FILE).write_text(str(server.port))
    try:
        yield server.url
    finally:
        (data_dir / PORT_FILE).unlink(missing_ok=True)
        server.stop()
