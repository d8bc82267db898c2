"""Correctness checks for several `clameur serve` processes sharing one Redis (or Cluster),
and `clameur serve --workers N` run and inspected by PID (`WorkersProcess`).

Used by the single-Redis and the Redis Cluster scale-out tests alike: each check connects
walls and audiences to every process, drives traffic through every process, and compares
what every wall saw with what Redis holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
import psutil
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, decide, post
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.processes import die_with_parent, stop_process
from wall.redis_server import free_port
from wall.store import keys

# These suites count every tap: rate limits (wall/ratelimit.py) would drop some on purpose.
NO_LIMITS = {"CLAMEUR_RATE_LIMITS": "off"}


class Reachable(Protocol):
    """Where clients reach a server: one process, or the one port of several workers."""

    @property
    def url(self) -> str: ...

    @property
    def port(self) -> int: ...


async def walls_on(servers: list[ServerProcess], slug: str, per_server: int = 2,
                   path: str = "wall") -> list[FeedClient]:
    """`per_server` feed sockets on each process, each past its snapshot."""
    clients = []
    for server in servers:
        for _ in range(per_server):
            client = await FeedClient.connect(f"{server.ws_url}/ws/{path}/{slug}")
            await client.next("snapshot")
            clients.append(client)
    return clients


async def approve_through(servers: Sequence[Reachable], event: EventFixture,
                          count: int) -> list[str]:
    """Post and approve `count` items, round-robin over the processes; their ids in order."""
    ids = []
    for n in range(count):
        server = servers[n % len(servers)]
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout()) as http:
            res = await post(http, event.slug, f"message {n} via {server.port}")
            assert res.status_code == 202, res.text
            item_id = res.json()["id"]
            res = await decide(http, event.slug, item_id, "approve", event.token)
            assert res.status_code == 200, res.text
        ids.append(item_id)
    return ids


async def items_until(client: FeedClient, last_id: str) -> list[str]:
    """Item ids a wall receives up to and including `last_id`."""
    seen = []
    while True:
        frame = await client.next("item")
        seen.append(frame["item"]["id"])
        if frame["item"]["id"] == last_id:
            return seen


async def check_every_wall_gets_every_item_once(servers: list[ServerProcess],
                                                event: EventFixture, count: int = 12) -> None:
    """Walls on every process receive every approved item exactly once, in feed order."""
    walls = await walls_on(servers, event.slug)
    try:
        ids = await approve_through(servers, event, count)
        seen = await asyncio.gather(*[items_until(w, ids[-1]) for w in walls])
        for got in seen:
            assert got == ids
    finally:
        for wall in walls:
            await wall.close()


async def send_reactions(servers: list[ServerProcess], slug: str,
                         rounds: int = 25) -> Counter[str]:
    """Taps through every process, over audience WebSockets and HTTP; the exact sum sent."""
    sent: Counter[str] = Counter()
    kinds = ("clap", "heart", "wow")
    for index, server in enumerate(servers):
        audience = await FeedClient.connect(f"{server.ws_url}/ws/audience/{slug}")
        await audience.next("snapshot")
        for n in range(rounds):
            counts = {kinds[n % 3]: n % 7 + 1, "laugh": index + 1}
            await audience.ws.send(json.dumps({"type": "reactions", "counts": counts}))
            sent.update(counts)
        await audience.close()
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout()) as http:
            for n in range(rounds):
                res = await http.post(f"/api/events/{slug}/reactions",
                                      json={"kind": "clap", "count": n % 5 + 1})
                assert res.status_code == 202, res.text
                sent["clap"] += n % 5 + 1
    return sent


async def totals_reach(client: FeedClient, expected: dict[str, int]) -> dict[str, Any]:
    """Read `reactions` frames until one carries `expected` totals; fail if one exceeds it."""
    while True:
        frame = await client.next("reactions", limit=timeout(15))
        totals = frame["totals"]
        assert all(totals.get(k, 0) <= n for k, n in expected.items()), (totals, expected)
        if totals == expected:
            return frame


async def check_reaction_totals_are_exact(servers: list[ServerProcess], event: EventFixture,
                                          redis: Redis) -> dict[str, int]:
    """Reactions sent to every process add up exactly in Redis and on every wall (on top
    of the event's totals before); the new totals."""
    before = Counter({k: int(v) for k, v in
                      (await redis.hgetall(keys.reactions(event.slug))).items()})
    walls = await walls_on(servers, event.slug)
    try:
        sent = dict(before + await send_reactions(servers, event.slug))
        await asyncio.gather(*[totals_reach(w, sent) for w in walls])
        # Walls learn totals from the delta stream, written in one transaction with the
        # totals hash: once every wall has the sum, Redis holds it too.
        stored = await redis.hgetall(keys.reactions(event.slug))
        assert {k: int(v) for k, v in stored.items()} == sent
        timeline = await redis.hgetall(keys.reactions_timeline(event.slug))
        by_kind: Counter[str] = Counter()
        for field, n in timeline.items():
            by_kind[field.split("|", 1)[1]] += int(n)
        assert dict(by_kind) == sent
        return sent
    finally:
        for wall in walls:
            await wall.close()


async def check_a_wall_can_resume_on_another_process(servers: list[ServerProcess],
                                                     event: EventFixture) -> None:
    """A wall that left one process and comes back on another with `?after=` gets exactly
    the items it missed, then the live ones: what a load balancer does to a reconnect."""
    first, other = servers[0], servers[-1]
    wall = await FeedClient.connect(f"{first.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    (seen,) = await approve_through(servers, event, 1)
    last = (await wall.next("item"))["position"]
    await wall.close()
    missed = await approve_through(servers, event, 5)
    back = await FeedClient.connect(f"{other.ws_url}/ws/wall/{event.slug}?after={last}")
    try:
        got = [(await back.next())["item"]["id"] for _ in missed]
        assert got == missed and seen not in got
        (live,) = await approve_through(servers[:1], event, 1)
        assert (await back.next())["item"]["id"] == live
    finally:
        await back.close()


async def check_closing_on_one_process_stops_taps_on_all(servers: list[ServerProcess],
                                                         event: EventFixture,
                                                         redis: Redis) -> None:
    """An admin closes the event through one process: audiences on every process get the
    status frame and their taps are refused until it reopens; the totals never count them."""
    audiences = await walls_on(servers, event.slug, per_server=1, path="audience")
    try:
        for audience in audiences:
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 2}}')
        expected = {"heart": 2 * len(audiences)}
        await asyncio.gather(*[totals_reach(a, expected) for a in audiences])
        async with httpx.AsyncClient(base_url=servers[0].url, timeout=timeout()) as http:
            res = await http.post(f"/api/events/{event.slug}/status", json={"status": "closed"},
                                  headers=event.admin_auth)
            assert res.status_code == 200, res.text
        for audience in audiences:
            assert (await audience.next("status"))["status"] == "closed"
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 50}}')
            assert (await audience.next("error"))["error"] == "event_closed"
        # Reopen and tap once more: a refused tap wrongly counted would have been flushed
        # before (or with) these, so the totals prove none was.
        async with httpx.AsyncClient(base_url=servers[-1].url, timeout=timeout()) as http:
            res = await http.post(f"/api/events/{event.slug}/status", json={"status": "open"},
                                  headers=event.admin_auth)
            assert res.status_code == 200, res.text
        for audience in audiences:
            assert (await audience.next("status"))["status"] == "open"
            await audience.ws.send('{"type": "reactions", "counts": {"heart": 1}}')
        expected = {"heart": 3 * len(audiences)}
        await asyncio.gather(*[totals_reach(a, expected) for a in audiences])
        stored = await redis.hgetall(keys.reactions(event.slug))
        assert {k: int(v) for k, v in stored.items()} == expected
    finally:
        for audience in audiences:
            await audience.close()


class WorkersProcess:
    """`python -m wall serve --workers N` as a child process: N workers on one port, found
    through the supervisor's children (psutil); stopped by PID."""

    def __init__(self, count: int, redis_url: str | None = None, data_dir: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.count, self.redis_url, self.data_dir = count, redis_url, data_dir
        self.extra_env = env or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"clameur-workers-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> WorkersProcess:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({"PYTHONPATH": str(ROOT), "CLAMEUR_SECRET": "test-secret", **NO_LIMITS,
                    **self.extra_env})
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        args = [sys.executable, "-m", "wall"]
        if self.data_dir:
            args += ["--data-dir", self.data_dir]
        args += ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.count)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            preexec_fn=die_with_parent)
        self.wait_ready()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def children(self) -> list[psutil.Process]:
        assert self.process is not None
        return psutil.Process(self.process.pid).children()

    def workers(self) -> list[psutil.Process]:
        """The worker processes the supervisor runs now."""
        found = []
        for child in self.children():
            with contextlib.suppress(psutil.Error):
                if "--worker-ready-fd" in child.cmdline():
                    found.append(child)
        return found

    def listening(self) -> set[int]:
        """PIDs of the workers with a socket listening on the port."""
        pids = set()
        for worker in self.workers():
            with contextlib.suppress(psutil.Error):
                if any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port
                       for c in worker.net_connections(kind="tcp")):
                    pids.add(worker.pid)
        return pids

    def wait_ready(self, exclude: Iterable[int] = ()) -> set[int]:
        """Wait until `count` workers (none of `exclude`) listen on the port and it answers
        `/healthz`; their PIDs."""
        deadline = time.monotonic() + timeout(60)
        excluded = set(exclude)
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"supervisor exited:\n{self.log()}")
            pids = self.listening()
            if len(pids) == self.count and not pids & excluded:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                        return pids
            time.sleep(0.1)
        raise TimeoutError(f"{self.count} workers not ready on {self.port}:\n{self.log()}")

    def holder(self, client: FeedClient) -> int:
        """The PID of the worker that holds `client`'s connection."""
        local = client.ws.local_address[:2]
        for worker in self.workers():
            with contextlib.suppress(psutil.Error):
                for conn in worker.net_connections(kind="tcp"):
                    if conn.laddr.port == self.port and conn.raddr and \
                            tuple(conn.raddr) == tuple(local):
                        return worker.pid
        raise LookupError(f"no worker holds the connection from {local}")

    def stop(self) -> int | None:
        """SIGTERM to the supervisor (it stops its workers); any process left is killed by
        PID. The supervisor's exit status."""
        proc, self.process = self.process, None
        if proc is None:
            return None
        family = [psutil.Process(proc.pid)]
        with contextlib.suppress(psutil.Error):
            family += family[0].children(recursive=True)
        stop_process(proc, signal.SIGTERM, timeout(20))
        _, alive = psutil.wait_procs(family, timeout=timeout(10))
        for left in alive:
            with contextlib.suppress(psutil.Error):
                left.kill()
        return proc.returncode


async def feeds_on_every_worker(workers: WorkersProcess, path: str, per_worker: int = 1,
                                limit: int = 200) -> dict[int, list[FeedClient]]:
    """Feed sockets opened on the one port (each past its snapshot) until every worker
    holds `per_worker` of them; by worker PID. The kernel chooses the worker."""
    by_worker: dict[int, list[FeedClient]] = {pid: [] for pid in workers.listening()}
    for _ in range(limit):
        if all(len(clients) >= per_worker for clients in by_worker.values()):
            return by_worker
        client = await FeedClient.connect(f"{workers.ws_url}{path}")
        await client.next("snapshot")
        by_worker.setdefault(workers.holder(client), []).append(client)
    raise AssertionError(f"{limit} sockets did not reach every worker: "
                         f"{ {pid: len(c) for pid, c in by_worker.items()} }")
