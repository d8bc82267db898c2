"""Find the Redis to use: REDIS_URL, the embedded one already running for this data
directory, or a new embedded redis-server owned by this process.

An embedded Redis gets a random password at each start. Processes find it through
`redis.url` in the data directory: its URL with the password, written 0600 inside a 0700
directory, so only the owner's processes (the CLI, `clameur up`'s children through
REDIS_URL) can reach the data. While it runs, this process creates its files 0600.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import redis

from wall.config import Settings
from wall.private import private_dir, private_umask, write_private
from wall.redis_server import EmbeddedRedis

URL_FILE = "redis.url"
_OLD_PORT_FILE = "redis.port"  # earlier versions: a port, no password


def _running(data_dir: Path) -> str | None:
    """The URL of an embedded Redis another clameur process runs on `data_dir`."""
    url_file = data_dir / URL_FILE
    if not url_file.is_file():
        return None
    url = url_file.read_text().strip()
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, protocol=2,
                                  decode_responses=True)
    try:
        directory = client.config_get("dir").get("dir", "")
    except (redis.RedisError, ValueError):
        return None
    finally:
        client.close()
    return url if Path(directory) == data_dir.resolve() else None


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
    with private_umask():
        private_dir(data_dir)
        (data_dir / _OLD_PORT_FILE).unlink(missing_ok=True)
        server = EmbeddedRedis(data_dir, password=secrets.token_urlsafe(24)).start()
        write_private(data_dir / URL_FILE, server.url + "\n")
        try:
            yield server.url
        finally:
            (data_dir / URL_FILE).unlink(missing_ok=True)
            server.stop()
