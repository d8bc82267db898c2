"""The embedded Redis of `clameur up` is private: a fresh data directory and everything in
it are 0700/0600 from their creation, Redis wants a password nobody else can read (not on
a command line, only in a 0600 file), and a client without it is refused."""

from __future__ import annotations

import os
import pty
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from tests.support.cli import clameur
from tests.support.servers import ROOT
from tests.support.timing import timeout
from wall.embedded import URL_FILE
from wall.redis_server import free_port


class Room:
    def __init__(self, proc: subprocess.Popen[bytes], home: Path, port: int) -> None:
        self.proc, self.home, self.port = proc, home, port

    @property
    def data(self) -> Path:
        return self.home / "var"


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    """`clameur up` on a terminal (a pty: its servers log into the data directory), with a
    fresh data directory and no CLAMEUR_SECRET, left at its "press Enter" prompt."""
    home = tmp_path_factory.mktemp("up")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "CLAMEUR_SECRET", "CLAMEUR_SECRET_FILE", "CLAMEUR_HOST")}
    env.update({"PYTHONPATH": str(ROOT), "CLAMEUR_LANG": "en", "TERM": "xterm"})
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "wall", "--data-dir", str(home / "var"),
                             "up", "--demo", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    # Drain the terminal so the banner never blocks the process.
    threading.Thread(target=_drain, args=(master,), daemon=True).start()
    try:
        deadline = time.monotonic() + timeout(60)
        while not _healthy(port):
            assert proc.poll() is None, "clameur up exited"
            assert time.monotonic() < deadline, "clameur up did not serve in time"
            time.sleep(0.1)
        posted = httpx.post(f"http://127.0.0.1:{port}/api/events/demo/posts",
                            json={"text": "écrit sur le disque"})
        assert posted.status_code == 202
        yield Room(proc, home, port)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=timeout(20))
        os.close(master)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def test_every_file_and_directory_of_a_fresh_data_directory_is_private(room: Room) -> None:
    """The data directory and every directory in it are 0700, every file 0600: the AOF,
    Redis's log, the servers' logs, the moderator token, the Redis URL; the key beside it
    is 0600 too."""
    entries = [room.data, *room.data.rglob("*")]
    names = {p.name for p in entries}
    assert {"moderator.token", URL_FILE, "redis.log", "server.log", "ingest.log"} <= names
    assert any(n.startswith("appendonly") for n in names)
    modes = {str(p.relative_to(room.home)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in entries}
    wrong = {p: m for p, m in modes.items()
             if m != (oct(0o700) if (room.home / p).is_dir() else oct(0o600))}
    assert wrong == {}, modes
    key = room.home / "var.secret"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64


def test_redis_refuses_a_client_without_the_password(room: Room) -> None:
    """The port answers only with the password of `redis.url`; the password is on no
    command line; the CLI finds the running Redis, password included, from the file."""
    url = (room.data / URL_FILE).read_text().strip()
    password = url.split("@")[0].rsplit(":", 1)[1]
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert len(password) >= 24
    anonymous = redis.Redis(port=port, protocol=2)
    with pytest.raises(redis.AuthenticationError):
        anonymous.get("clameur:events")
    anonymous.close()
    wrong = redis.Redis(port=port, password="guess", protocol=2)
    with pytest.raises(redis.AuthenticationError):
        wrong.ping()
    wrong.close()
    assert redis.Redis.from_url(url, protocol=2).ping()

    lines = [" ".join(p.cmdline()) for p in psutil.Process(room.proc.pid).children(True)]
    assert any("redis-server" in line for line in lines)
    assert not any(password in line for line in lines)
    listed = clameur("--data-dir", str(room.data), "event", "list",
                     env={"CLAMEUR_SECRET_FILE": str(room.home / "var.secret")})
    assert listed.returncode == 0 and "demo" in listed.stdout, listed.stderr
