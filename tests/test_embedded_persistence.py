"""The embedded Redis: started for us, kept on disk, found again by the next run."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.cli import clameur, created_token
from tests.support.clients import FeedClient, approved
from tests.support.servers import ServerProcess
from wall.config import Settings
from wall.embedded import URL_FILE, redis_for
from wall.redis_server import EmbeddedRedis


async def test_restarted_server_keeps_events_tokens_and_feed(tmp_path: Path) -> None:
    """A server restarted on the same data directory finds events, tokens and feed intact."""
    data = str(tmp_path / "var")
    server = ServerProcess(data_dir=data).start()
    try:
        # The CLI finds the server's embedded Redis (and its password) through the data
        # directory.
        made = clameur("--data-dir", data, "event", "create", "mairie", "--title", "Débat")
        assert made.returncode == 0, made.stderr
        token = created_token(clameur("--data-dir", data, "token", "create", "--event",
                                      "mairie", "--role", "moderator", "--label", "bob"))
        async with httpx.AsyncClient(base_url=server.url) as http:
            first = await approved(http, "mairie", "gardé sur disque", token)
        server.restart()
        async with httpx.AsyncClient(base_url=server.url) as http:
            queue = await http.get("/api/events/mairie/queue",
                                   headers={"Authorization": f"Bearer {token}"})
            assert queue.status_code == 200
            second = await approved(http, "mairie", "après redémarrage", token)
        wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/mairie")
        snap = await wall.next("snapshot")
        assert [i["id"] for i in snap["items"]] == [first, second]
        await wall.close()
    finally:
        server.stop()
    assert not (Path(data) / URL_FILE).exists()
    listed = clameur("--data-dir", data, "event", "list")
    assert "mairie" in listed.stdout and "Débat" in listed.stdout


def test_embedded_redis_writes_an_append_only_file(tmp_path: Path) -> None:
    """The embedded server persists with appendonly/everysec in the data directory."""
    with EmbeddedRedis(tmp_path) as server:
        import redis

        client = redis.Redis(port=server.port, protocol=2, decode_responses=True)
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("appendfsync")["appendfsync"] == "everysec"
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        client.close()
    assert any(p.name.startswith("appendonly") for p in tmp_path.iterdir())


def test_redis_url_set_starts_nothing(tmp_path: Path, redis_url: str) -> None:
    """With REDIS_URL set, no redis-server is started and no data directory is made."""
    settings = Settings(redis_url=redis_url, data_dir=str(tmp_path / "unused"))
    with redis_for(settings) as url:
        assert url == redis_url
    assert not (tmp_path / "unused").exists()


def test_embedded_redis_is_stopped_on_exit(tmp_path: Path) -> None:
    """The embedded server started by a command is stopped when the command ends."""
    settings = Settings(data_dir=str(tmp_path))
    with redis_for(settings) as url:
        import redis

        client = redis.Redis.from_url(url, protocol=2)
        assert client.ping()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    client.close()
