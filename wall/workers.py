"""`clameur serve --workers N`: N server processes on one port, under one supervisor.

Each worker is an ordinary `clameur serve` process (uvloop, the cycle collector tuned, its
own lifespan: hub, reaction flusher, presence), started by the supervisor with the Redis
URL the supervisor chose — so an embedded Redis is started once, by the supervisor — and
coordinated with the others only through Redis, exactly as separate processes behind a
load balancer are.

Every worker binds the port itself with `SO_REUSEPORT`, and the kernel spreads new
connections over the listening sockets by a hash of the addresses. One socket bound by the
supervisor and shared by every worker was measured spreading 800 connections over four
workers as 76/147/268/302 (the first worker to wake accepts the whole queue: libuv accepts
until the queue is empty); with `SO_REUSEPORT` 186/189/206/219. Walls and phones hold their
sockets for hours, so an uneven spread at connection time stays uneven. A worker's socket
listens only once its lifespan has started, so a starting worker gets no connection before
it can serve one. Before starting any worker the supervisor binds the port once without
`SO_REUSEPORT`: a port in use (another `clameur serve` included) fails at once, never
shared by surprise.

The supervisor replaces a worker that dies (at once if it had served for a while, else
after a pause that doubles up to 30 s), and one that hangs: each worker's event loop writes
a line to the supervisor every `BEAT` seconds, and a worker silent for `HUNG_AFTER` seconds
is killed and replaced (with `SO_REUSEPORT` the kernel would keep handing a stuck worker its
share of new connections). It stops every worker gracefully on SIGTERM or SIGINT (SIGKILL
after `stop_timeout`), and gives up when a first worker cannot start at all (a port in use,
a wrong key): the next ones would fail the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.config
import math
import os
import select
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from wall.processes import die_with_parent

STARTUP_FAILURE = 3  # uvicorn's exit status for a process that could not start
STEADY = 10.0  # a worker that ran this long is replaced at once when it dies
MAX_PAUSE = 30.0
BEAT = 2.0  # a worker's loop says it is alive this often
# Silent this long, a worker is stuck: a loop held for seconds by a burst of frames
# (docs/performance.md) still beats well within it.
HUNG_AFTER = 20.0

log = logging.getLogger("uvicorn.error")


def cores() -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup v2 CPU quota (a
    container limited to 2 CPUs on a 16-core host has 2)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    return max(1, count)


def worker_count(value: str | int | None) -> int:
    """`--workers`: a positive number, or `auto` (one per core); unset or empty is 1."""
    text = str(value if value is not None else "").strip().lower()
    if not text:
        return 1
    if text == "auto":
        return cores()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"--workers takes a positive number or auto, not {value!r}")
    return int(text)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port(host: str, port: int) -> None:
    """Raise OSError when `host:port` is taken (bound without SO_REUSEPORT, as a second
    supervisor's probe or any other server would find it)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A worker's socket: bound with SO_REUSEPORT beside its siblings' (uvicorn's
    `create_server` makes it listen once the lifespan has started)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class WorkerServer(uvicorn.Server):
    """uvicorn's server that tells the supervisor (a line with its PID on `ready_fd`) once
    it listens, then again every `BEAT` seconds from its event loop."""

    def __init__(self, config: uvicorn.Config, ready_fd: int) -> None:
        super().__init__(config)
        self.ready_fd = ready_fd
        self.line = f"{os.getpid()}\n".encode()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._beat()

    def _beat(self) -> None:
        try:
            os.write(self.ready_fd, self.line)
        except OSError:  # the supervisor is gone (the worker follows it: die_with_parent)
            return
        asyncio.get_running_loop().call_later(BEAT, self._beat)


@dataclass
class _Slot:
    """One place for a worker: its current process and its history."""

    index: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    ready: bool = False
    beat: float = 0.0  # when its last line came
    served: bool = False  # some process of this slot became ready once
    failures: int = 0
    due: float = 0.0  # when to start the next process, once this one is gone
    pids: list[int] = field(default_factory=list)


class Supervisor:
    """Runs `count` workers (`command` plus `--worker-ready-fd FD`) until SIGTERM/SIGINT."""

    def __init__(self, command: list[str], env: dict[str, str], count: int,
                 stop_timeout: float = 8.0) -> None:
        self.command, self.env, self.count = command, env, count
        self.stop_timeout = stop_timeout
        self.slots = [_Slot(i) for i in range(count)]
        self.stopping = False
        self.failed = False
        self.announced = False

    def run(self) -> int:
        """Serve until told to stop; 0, or STARTUP_FAILURE when no worker could start."""
        logging.config.dictConfig(LOGGING_CONFIG)
        log.setLevel(logging.INFO)
        ready_r, ready_w = os.pipe()
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        old_wakeup = signal.set_wakeup_fd(wake_w)
        log.info("Started supervisor process [%d] for %d workers", os.getpid(), self.count)
        try:
            for slot in self.slots:
                self._start(slot, ready_w)
            while not self.stopping:
                readable, _, _ = select.select([ready_r, wake_r], [], [], 0.5)
                if wake_r in readable:
                    os.read(wake_r, 512)
                if ready_r in readable:
                    self._ready(os.read(ready_r, 4096))
                self._watch(ready_w)
        finally:
            self._stop_all()
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for fd in (ready_r, ready_w, wake_r, wake_w):
                os.close(fd)
        log.info("Stopped supervisor process [%d]", os.getpid())
        return STARTUP_FAILURE if self.failed else 0

    def pids(self) -> list[int]:
        return [s.process.pid for s in self.slots if s.process is not None]

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _start(self, slot: _Slot, ready_w: int) -> None:
        slot.process = subprocess.Popen(
            [*self.command, "--worker-ready-fd", str(ready_w)],
            env={**os.environ, **self.env}, pass_fds=(ready_w,), preexec_fn=die_with_parent)
        slot.started, slot.ready = time.monotonic(), False
        slot.pids.append(slot.process.pid)

    def _ready(self, data: bytes) -> None:
        now = time.monotonic()
        for line in data.decode(errors="replace").split():
            for slot in self.slots:
                if slot.process is not None and str(slot.process.pid) == line:
                    slot.beat = now
                    if not slot.ready:
                        slot.ready = slot.served = True
                        slot.failures = 0
                        log.info("Worker %d ready [%s]", slot.index + 1, line)
        if not self.announced and all(s.ready for s in self.slots):
            self.announced = True
            log.info("%d workers serving on one port: %s", self.count,
                     " ".join(str(p) for p in self.pids()))

    def _watch(self, ready_w: int) -> None:
        """Notice dead workers and start their replacements when due."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.process is not None:
                code = slot.process.poll()
                if code is None and slot.ready and now - slot.beat > HUNG_AFTER:
                    log.error("Worker %d [%d] silent for %.0f s: killed", slot.index + 1,
                              slot.process.pid, now - slot.beat)
                    slot.process.kill()
                    code = slot.process.wait()
                if code is None:
                    continue
                pid, slot.process = slot.process.pid, None
                lived = now - slot.started
                if not slot.served and code == STARTUP_FAILURE:
                    log.error("Worker %d [%d] could not start (exit status %d): stopping",
                              slot.index + 1, pid, code)
                    self.failed = self.stopping = True
                    return
                slot.failures = 0 if lived >= STEADY else slot.failures + 1
                pause = min(MAX_PAUSE, 2.0 ** (slot.failures - 1)) if slot.failures else 0.0
                slot.due = now + pause
                log.warning("Worker %d [%d] exited (status %s) after %.0f s: a new one %s",
                            slot.index + 1, pid, code, lived,
                            f"in {pause:.0f} s" if pause else "now")
            if slot.process is None and now >= slot.due and not self.stopping:
                self._start(slot, ready_w)

    def _stop_all(self) -> None:
        """SIGTERM to every worker (a graceful stop: sockets closed, reactions flushed),
        then SIGKILL to those still running after `stop_timeout` seconds."""
        running = [s.process for s in self.slots if s.process is not None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("Worker [%d] still running after %.0f s: killed", proc.pid,
                            self.stop_timeout)
                proc.kill()
                proc.wait()
        for slot in self.slots:
            slot.process = None
