"""Processes of a benchmark run: Redis, `clameur serve`, the bare baseline, load generators.

Every process is a child started here and stopped by its PID. Load generators speak JSON
lines: they print `{"ready": ...}` once connected, wait for `go`/`stop` lines on stdin, and
print `{"result": ...}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis

from wall.processes import stop_process
from wall.redis_server import EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = Path(tempfile.gettempdir()) / "clameur-bench"
# Benchmarks measure throughput from one address, so the public rate limits
# (wall/ratelimit.py) and the per-address cap on connections (wall/security.py, 0: none)
# are off.
SERVER_ENV = {"CLAMEUR_SECRET": "bench-secret", "CLAMEUR_RATE_LIMITS": "off",
              "CLAMEUR_MAX_CONNECTIONS_PER_ADDRESS": "0"}


def raise_open_files(wanted: int = 20_000) -> int:
    """Raise RLIMIT_NOFILE (inherited by children) as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Service:
    """A server child process answering `GET health_path` once ready; with `workers` > 1,
    a supervisor whose `workers` children all listen on the one port."""

    def __init__(self, name: str, args: list[str], port: int, env: dict[str, str],
                 health_path: str = "/healthz", workers: int = 1) -> None:
        self.name, self.args, self.port, self.env = name, args, port, env
        self.health_path = health_path
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = LOG_DIR / f"{name}-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Service:
        LOG_DIR.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.args, env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if (self.listening() >= self.workers and
                        httpx.get(self.url + self.health_path, timeout=1).status_code == 200):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer on {self.port}")

    def processes(self) -> list[psutil.Process]:
        """The server process and its workers (children that serve: not a redis-server)."""
        assert self.process is not None
        main = psutil.Process(self.process.pid)
        return [main, *main.children(recursive=True)]

    def listening(self) -> int:
        """How many of its processes listen on the port."""
        count = 0
        for proc in self.processes():
            try:
                count += any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port
                             for c in proc.net_connections(kind="tcp"))
            except psutil.Error:
                pass
        return count

    def rss(self) -> int:
        """Resident memory in bytes (of every process)."""
        return sum(int(p.memory_info().rss) for p in self.processes())

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server, its workers included."""
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += float(times.user + times.system)
        return total

    def stop(self) -> None:
        proc, self.process = self.process, None
        stop_process(proc, timeout=15)


def clameur(redis_url: str, extra_env: dict[str, str] | None = None,
            workers: int = 1) -> Service:
    """A real `clameur serve` (uvicorn, uvloop, httptools) on a free port; `workers` > 1:
    `clameur serve --workers N`, N processes on that one port."""
    port = free_port()
    args = [sys.executable, "-m", "wall", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Service("clameur", args + (["--workers", str(workers)] if workers > 1 else []),
                   port, {**SERVER_ENV, "REDIS_URL": redis_url, **(extra_env or {})},
                   workers=workers)


def baseline(workers: int = 1) -> Service:
    """The bare endpoints (benchmarks/baseline.py) with Clameur's server settings and
    environment, `workers` processes on one port."""
    port = free_port()
    return Service("baseline", [sys.executable, "-m", "benchmarks.baseline", "--port",
                                str(port), "--workers", str(workers)], port,
                   dict(SERVER_ENV), health_path="/count", workers=workers)


def start_redis() -> EmbeddedRedis:
    """A fresh redis-server (AOF everysec, as in production) in a temporary directory."""
    return EmbeddedRedis(tempfile.mkdtemp(prefix="clameur-bench-redis-")).start()


class RedisStats:
    """Commands processed by Redis, sampled to find the peak rate."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, protocol=2)
        self.samples: list[tuple[float, int]] = []

    def total(self) -> int:
        return int(self.client.info("stats")["total_commands_processed"])

    async def sample_every(self, interval: float = 0.5) -> None:
        while True:
            self.samples.append((time.monotonic(), await asyncio.to_thread(self.total)))
            await asyncio.sleep(interval)

    def peak_rate(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The highest rate between two consecutive samples taken from `start` to `end`."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        rates = [(b[1] - a[1]) / (b[0] - a[0])
                 for a, b in zip(inside, inside[1:], strict=False) if b[0] > a[0]]
        return max(rates, default=0.0)

    def close(self) -> None:
        self.client.close()


class LoadGen:
    """One load-generator child process (`python -m benchmarks.loadgen CONFIG`)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, Any]:
        """Start it and wait until its clients are connected; its `ready` report."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.loadgen", json.dumps(self.config),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, limit=64 * 1024 * 1024)
        return await self._read("ready", timeout=180)

    async def _read(self, key: str, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=timeout)
        if not line:
            raise RuntimeError(f"load generator exited ({self.config['mode']})")
        message: dict[str, Any] = json.loads(line)
        if key not in message:
            raise RuntimeError(f"load generator said {message}")
        return message[key]  # type: ignore[no-any-return]

    def cpu_seconds(self) -> float:
        """User + system CPU time this generator has used so far."""
        assert self.proc is not None
        try:
            times = psutil.Process(self.proc.pid).cpu_times()
        except psutil.Error:
            return 0.0
        return float(times.user + times.system)

    async def send(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()

    async def ask(self, command: str, timeout: float = 120) -> Any:
        """Send `command` (`reset`, `report`, `go`) and return its answer."""
        await self.send(command)
        return await self._read({"go": "sent"}.get(command, command), timeout)

    async def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), timeout=15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def split(total: int, parts: int) -> list[int]:
    """`total` clients over `parts` generators, as evenly as possible."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
