"""The `clameur` command line: events and tokens, on a real Redis."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from tests.support.cli import clameur, created_token
from wall.store import keys
from wall.store.tokens import verify_token


async def test_event_create_list_show_update(redis_url: str) -> None:
    """event create/list/show/update/close work and report errors clearly."""
    env = {"REDIS_URL": redis_url}
    res = clameur("event", "create", "conseil-12", "--title", "Conseil de quartier",
                  "--hashtags", "#conseil,quartier", "--mode", "post", env=env)
    assert res.returncode == 0, res.stderr
    again = clameur("event", "create", "conseil-12", "--title", "x", env=env)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = clameur("event", "create", "Bad Slug", "--title", "x", env=env)
    assert bad.returncode == 2 and "invalid slug" in bad.stderr
    assert "conseil-12" in clameur("event", "list", env=env).stdout
    shown = json.loads(clameur("event", "show", "conseil-12", env=env).stdout)
    assert shown["hashtags"] == ["conseil", "quartier"] and shown["mode"] == "post"
    assert clameur("event", "close", "conseil-12", env=env).returncode == 0
    shown = json.loads(clameur("event", "show", "conseil-12", env=env).stdout)
    assert shown["status"] == "closed"


async def test_token_is_shown_once_and_stored_only_as_a_hash(redis_url: str,
                                                             redis: Redis) -> None:
    """token create prints the secret once; Redis holds only its SHA-256."""
    env = {"REDIS_URL": redis_url}
    clameur("event", "create", "jetons", "--title", "Jetons", env=env)
    token = created_token(clameur("token", "create", "--event", "jetons", "--role",
                                  "moderator", "--label", "zoé", env=env))
    dump = json.dumps(await redis.hgetall(keys.tokens("jetons")))
    assert token not in dump and token.split(".", 1)[1] not in dump
    info = await verify_token(redis, token)
    assert info is not None and info.role == "moderator" and info.label == "zoé"
    listed = clameur("token", "list", "--event", "jetons", env=env).stdout
    assert info.id in listed and token not in listed
    assert clameur("token", "revoke", "--event", "jetons", info.id, env=env).returncode == 0
    assert await verify_token(redis, token) is None


def test_help_lists_every_setting() -> None:
    """`clameur --help` explains the environment settings."""
    out = clameur("--help").stdout
    for name in ("REDIS_URL", "CLAMEUR_DATA_DIR", "CLAMEUR_PUBLIC_URL", "PORT"):
        assert name in out
