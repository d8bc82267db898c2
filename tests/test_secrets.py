"""The key of cookies and phone hashes lives outside Redis: in CLAMEUR_SECRET or a 0600
file, shared by the processes of one wall; a process holding another key refuses to start
and says why; an earlier version's key found in Redis is adopted once and erased from it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.servers import ROOT, ServerProcess
from tests.support.sms import TWILIO_TOKEN, send_twilio, twilio_form
from tests.support.sources import eventually, inbox_items
from tests.support.timing import timeout
from wall.identity import phone_key
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.store import keys
from wall.store.secret import fingerprint

LEGACY = "0123456789abcdef-legacy-key-of-an-earlier-version-fedcba9876543210"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own (one key per Redis), strings uncompressed on disk so a
    search of its files finds them."""
    server = EmbeddedRedis(tmp_path / "redis", extra_args=("--rdbcompression", "no")).start()
    yield server
    server.stop()


def keyless(secret_file: Path, **extra: str) -> dict[str, str]:
    """A server's environment without CLAMEUR_SECRET: its key comes from `secret_file`."""
    return {"CLAMEUR_SECRET": "", "CLAMEUR_SECRET_FILE": str(secret_file), **extra}


async def everything(redis: Redis) -> str:
    """Every key name and value of the whole Redis, as one string."""
    out: list[str] = []
    async for key in redis.scan_iter(match="*"):
        kind = await redis.type(key)
        out.append(key)
        if kind == "string":
            out.append(str(await redis.get(key)))
        elif kind == "hash":
            out.append(repr(await redis.hgetall(key)))
        elif kind == "set":
            out.append(repr(await redis.smembers(key)))
        elif kind == "zset":
            out.append(repr(await redis.zrange(key, 0, -1)))
        elif kind == "list":
            out.append(repr(await redis.lrange(key, 0, -1)))
        elif kind == "stream":
            out.append(repr(await redis.xrange(key)))
    return "\n".join(out)


def on_disk(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*"))
                    if p.is_file() and p.name != "redis.log")


async def test_an_earlier_key_in_redis_moves_to_a_private_file_and_leaves_no_trace(
        own_redis: EmbeddedRedis, tmp_path: Path) -> None:
    """An older deployment's `clameur:secret` is adopted into the 0600 key file and deleted;
    after SMS through the signed Twilio webhook, no Redis key or value and no byte of the
    AOF holds the key, and the sender's author key is the number hashed with it."""
    redis = connect(own_redis.url)
    await redis.set(keys.SECRET, LEGACY)
    await redis.execute_command("BGREWRITEAOF")

    async def legacy_on_disk() -> bool:
        return LEGACY.encode() in on_disk(own_redis.data_dir)

    await eventually(legacy_on_disk)
    ev = await make_event(redis)
    key_file = tmp_path / "clameur.secret"
    server = ServerProcess(redis_url=own_redis.url,
                           env=keyless(key_file, TWILIO_AUTH_TOKEN=TWILIO_TOKEN)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            res = await send_twilio(http, ev.slug, twilio_form("Un banc, svp",
                                                                phone="+33612345678"))
            assert res.status_code == 200, res.text
    finally:
        server.stop()

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == LEGACY
    (item,) = await inbox_items(redis, ev.slug)
    assert item.author_key == phone_key(LEGACY, "+33612345678")
    assert await redis.get(keys.SECRET) is None
    assert await redis.get(keys.SECRET_FINGERPRINT) == fingerprint(LEGACY)
    assert LEGACY not in await everything(redis)
    disk = on_disk(own_redis.data_dir)
    assert b"Un banc, svp" in disk  # the data is there...
    assert LEGACY.encode() not in disk  # ...the key is not
    await redis.aclose()


def _serve_fails(redis_url: str, env: dict[str, str]) -> str:
    """Start a server expected to refuse; the log it left."""
    proc = ServerProcess(redis_url=redis_url, env=env)
    with pytest.raises(RuntimeError, match="server exited") as refused:
        proc.start()
    return str(refused.value)


async def test_processes_share_the_key_file_and_one_with_another_key_refuses(
        own_redis: EmbeddedRedis, tmp_path: Path) -> None:
    """The first server generates the 0600 key file, a second one on the same file joins;
    a third with another CLAMEUR_SECRET refuses to start, naming the mismatch; after
    `clameur secret --rotate` that key is the one recorded and accepted."""
    key_file = tmp_path / "var.secret"
    first = ServerProcess(redis_url=own_redis.url, env=keyless(key_file)).start()
    second = ServerProcess(redis_url=own_redis.url, env=keyless(key_file))
    try:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        generated = key_file.read_text().strip()
        assert len(generated) == 64
        redis = connect(own_redis.url)
        assert generated not in await everything(redis)
        assert await redis.get(keys.SECRET_FINGERPRINT) == fingerprint(generated)
        await redis.aclose()
        second.start()

        log = _serve_fails(own_redis.url, {"CLAMEUR_SECRET": "another-key"})
        assert "is not the key the other processes of this Redis use" in log
        assert fingerprint(generated)[:12] in log and "clameur secret --rotate" in log
    finally:
        first.stop()
        second.stop()

    rotated = _cli(own_redis.url, "another-key", "secret", "--rotate", "--yes")
    assert rotated.returncode == 0, rotated.stderr
    assert fingerprint("another-key") in rotated.stdout
    # What a server start checks, through the CLI: the new key is accepted now.
    shown = _cli(own_redis.url, "another-key", "secret")
    assert shown.returncode == 0 and f"key fingerprint {fingerprint('another-key')}" in shown.stdout


def _cli(redis_url: str, secret: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT),
           "CLAMEUR_SECRET": secret}
    return subprocess.run([sys.executable, "-m", "wall", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout(30))
