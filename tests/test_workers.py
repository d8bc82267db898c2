"""`clameur serve --workers N`: N real processes on one port, coordinated through Redis only,
stopped together on SIGTERM, a dead one replaced."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.clients import FeedClient
from tests.support.scaleout import (
    WorkersProcess,
    approve_through,
    feeds_on_every_worker,
    items_until,
    totals_reach,
)
from tests.support.timing import timeout
from wall.redis_client import connect
from wall.store import keys
from wall.workers import worker_count


@pytest.fixture(scope="module")
def workers(redis_url: str) -> Iterator[WorkersProcess]:
    """`clameur serve --workers 3` on the session's Redis (the last test kills a worker)."""
    proc = WorkersProcess(3, redis_url=redis_url)
    try:
        yield proc.start()
    finally:
        proc.stop()


def test_workers_auto_is_one_per_core_and_a_number_is_taken_as_is() -> None:
    """`auto` counts the cores this process may use; a count must be a positive number."""
    assert 1 <= worker_count("auto") <= len(os.sched_getaffinity(0))
    assert worker_count("3") == 3 and worker_count(None) == 1 and worker_count("") == 1
    for wrong in ("0", "-2", "many"):
        with pytest.raises(ValueError):
            worker_count(wrong)


async def test_three_workers_share_one_port_one_embedded_redis_and_stop_together(
        tmp_path: Path) -> None:
    """Three workers listen on one port, all serving walls, with the one Redis the
    supervisor started; SIGTERM to the supervisor stops every process, Redis included."""
    proc = WorkersProcess(3, data_dir=str(tmp_path / "var"))
    walls: dict[int, list[FeedClient]] = {}
    try:
        pids = proc.start().listening()
        assert len(pids) == 3
        servers = [c for c in proc.children() if "redis-server" in c.name()]
        assert len(servers) == 1
        assert not any(p.children() for p in proc.workers())
        url = (tmp_path / "var" / "redis.url").read_text().strip()
        redis = connect(url)
        try:
            event = await make_event(redis)
        finally:
            await redis.aclose()
        walls = await feeds_on_every_worker(proc, f"/ws/wall/{event.slug}")
        assert set(walls) == pids
        family = [psutil.Process(pid) for pid in [*pids, servers[0].pid]]
    finally:
        code = proc.stop()
        for clients in walls.values():
            for client in clients:
                await client.close()
    assert code == 0
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)


async def test_every_wall_on_every_worker_gets_every_item_once(
        workers: WorkersProcess, redis: Redis) -> None:
    """Items posted and approved through the one port reach walls held by each of the
    three workers, once each, in order."""
    event = await make_event(redis)
    walls = await feeds_on_every_worker(workers, f"/ws/wall/{event.slug}", per_worker=2)
    clients = [c for group in walls.values() for c in group]
    try:
        ids = await approve_through([workers], event, 12)
        seen = await asyncio.gather(*[items_until(w, ids[-1]) for w in clients])
        assert all(got == ids for got in seen)
    finally:
        for client in clients:
            await client.close()


async def test_reaction_totals_from_every_worker_are_exact(
        workers: WorkersProcess, redis: Redis) -> None:
    """Taps sent through audiences held by each worker, and over HTTP, add up exactly in
    Redis and on walls held by each worker."""
    event = await make_event(redis)
    walls = await feeds_on_every_worker(workers, f"/ws/wall/{event.slug}")
    audiences = await feeds_on_every_worker(workers, f"/ws/audience/{event.slug}")
    sent: Counter[str] = Counter()
    try:
        for index, group in enumerate(audiences.values()):
            for n in range(20):
                counts = {("clap", "heart", "wow")[n % 3]: n % 7 + 1, "laugh": index + 1}
                await group[0].ws.send(json.dumps({"type": "reactions", "counts": counts}))
                sent.update(counts)
        async with httpx.AsyncClient(base_url=workers.url, timeout=timeout()) as http:
            for n in range(30):
                res = await http.post(f"/api/events/{event.slug}/reactions",
                                      json={"kind": "clap", "count": n % 5 + 1},
                                      headers={"Connection": "close"})
                assert res.status_code == 202, res.text
                sent["clap"] += n % 5 + 1
        clients = [c for group in walls.values() for c in group]
        await asyncio.gather(*[totals_reach(w, dict(sent)) for w in clients])
        stored = await redis.hgetall(keys.reactions(event.slug))
        assert {k: int(v) for k, v in stored.items()} == dict(sent)
    finally:
        for group in [*walls.values(), *audiences.values()]:
            for client in group:
                await client.close()


def test_a_worker_that_stops_answering_is_killed_and_replaced(
        workers: WorkersProcess) -> None:
    """A worker frozen with SIGSTOP stops beating: the supervisor kills it and starts
    another, so the kernel stops handing it connections."""
    victim = sorted(workers.listening())[0]
    os.kill(victim, signal.SIGSTOP)
    try:
        pids = workers.wait_ready(exclude=[victim])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGCONT)
    assert victim not in pids and len(pids) == 3
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == \
        psutil.STATUS_ZOMBIE
    assert "silent for" in workers.log()


async def test_a_killed_worker_is_replaced_and_its_walls_resume_with_after(
        workers: WorkersProcess, redis: Redis) -> None:
    """SIGKILL one worker: its walls come back through the port with `?after=` and get
    exactly what they missed, then live items; a new worker takes its place and serves."""
    event = await make_event(redis)
    walls = await feeds_on_every_worker(workers, f"/ws/wall/{event.slug}")
    victim = next(iter(walls))
    (first,) = await approve_through([workers], event, 1)
    last = {}
    for group in walls.values():
        for wall in group:
            frame = await wall.next("item")
            assert frame["item"]["id"] == first
            last[wall] = frame["position"]
    os.kill(victim, signal.SIGKILL)
    orphans = walls.pop(victim)
    for wall in orphans:
        await asyncio.wait_for(wall.ws.wait_closed(), timeout())
    missed = await approve_through([workers], event, 3)
    back = [await FeedClient.connect(f"{workers.ws_url}/ws/wall/{event.slug}"
                                     f"?after={last[wall]}") for wall in orphans]
    new_pids = workers.wait_ready(exclude=[victim])
    newcomer = (new_pids - set(walls)).pop()
    # A wall that resumes on the new worker itself, from the same position.
    on_new: FeedClient | None = None
    for _ in range(100):
        client = await FeedClient.connect(f"{workers.ws_url}/ws/wall/{event.slug}"
                                          f"?after={last[orphans[0]]}")
        if workers.holder(client) == newcomer:
            on_new = client
            break
        await client.close()
    assert on_new is not None, "no connection reached the new worker"
    try:
        (live,) = await approve_through([workers], event, 1)
        for wall in [*back, on_new]:
            frames = [await wall.next("item", "snapshot") for _ in range(4)]
            assert [f["type"] for f in frames] == ["item"] * 4
            assert [f["item"]["id"] for f in frames] == [*missed, live]
        for group in walls.values():
            for wall in group:
                assert await items_until(wall, live) == [*missed, live]
    finally:
        for wall in [*back, on_new, *(w for g in walls.values() for w in g)]:
            await wall.close()
