"""A real `clameur ingest` process pointed at loopback fakes, stopped by its PID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.timing import timeout
from wall.processes import die_with_parent

ROOT = Path(__file__).resolve().parents[2]


class IngestProcess:
    """`python -m wall ingest` with the given environment; `kill()` simulates a crash."""

    def __init__(self, redis_url: str, env: dict[str, str], events: list[str]) -> None:
        self.redis_url, self.extra_env, self.events = redis_url, env, events
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"clameur-ingest-{id(self)}.log"

    def start(self) -> IngestProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAMEUR_", "X_"))}
        env.update({"PYTHONPATH": str(ROOT), "REDIS_URL": self.redis_url,
                    "CLAMEUR_SECRET": "test-secret", **self.extra_env})
        args = [sys.executable, "-m", "wall", "ingest"]
        for slug in self.events:
            args += ["--event", slug]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crash or an OOM kill."""
        await self.stop(signal.SIGKILL)

    async def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Signal the process and wait for its exit code without blocking the event loop
        (the fakes it talks to live in this loop and must answer its goodbyes)."""
        proc, self.process = self.process, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            return await asyncio.to_thread(proc.wait, timeout(10))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
