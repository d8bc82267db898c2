"""A real `clameur serve` process on a free port, started, stopped and restarted by tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.timing import timeout
from wall.processes import die_with_parent, stop_process
from wall.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """`python -m wall serve` as a child process, stopped by its PID."""

    def __init__(self, redis_url: str | None = None, data_dir: str | None = None,
                 env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"clameur-serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        # Rate limits are off unless a test sets them: tests post from one address.
        env.update({"PYTHONPATH": str(ROOT), "CLAMEUR_SECRET": "test-secret",
                    "CLAMEUR_RATE_LIMITS": "off", **self.extra_env})
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        args = [sys.executable, "-m", "wall"]
        if self.data_dir:
            args += ["--data-dir", self.data_dir]
        args += ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log.close()
        self.wait_healthy()
        return self

    def wait_healthy(self, limit: float | None = None) -> None:
        deadline = time.monotonic() + (limit or timeout(20))
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"server on {self.port} not healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        proc, self.process = self.process, None
        stop_process(proc, sig, timeout(10))

    def restart(self) -> None:
        self.stop()
        self.start()
