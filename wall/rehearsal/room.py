"""One rehearsal run: the walls, the moderator, the phones and the SMS senders against the
server, for the plan's duration; then the check of what the server holds, and the report.

The load is bounded: at most MAX_PHONES phones for at most MAX_DURATION seconds, each
phone at a person's pace, every client on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import time

import psutil

from wall.rehearsal import corpus, report, verify
from wall.rehearsal.moderator import Moderator
from wall.rehearsal.phone import Phone
from wall.rehearsal.plan import Plan, Rhythm
from wall.rehearsal.progress import LiveView
from wall.rehearsal.sms import SmsSender, sms_session
from wall.rehearsal.tally import Tally
from wall.rehearsal.watch import Wall
from wall.store.client import Client

DRAIN_S = 20.0  # after the run: posts being retried and taps in flight
SETTLE_S = 10.0  # for the reaction totals to reach the walls


def raise_file_limit() -> None:
    """Two sockets a phone: lift the soft limit on open files to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard > 0 else soft, hard))


async def run(plan: Plan, redis: Client, shell: report.Report, blocklist_on: bool,
              view: LiveView) -> report.Report:
    raise_file_limit()
    rng = random.Random(plan.seed)
    words = corpus.load()
    tally = Tally()
    me = psutil.Process()
    me.cpu_percent(None)
    walls = [Wall(plan, tally, first=i == 0) for i in range(max(1, plan.walls))]
    wall_tasks = [asyncio.create_task(w.run()) for w in walls]
    try:
        await asyncio.wait_for(walls[0].changed.wait(), 15)
    except TimeoutError:
        tally.error("no wall snapshot within 15 s")
    moderator = Moderator(plan, tally) if plan.moderate_rate > 0 else None
    moderator_task = asyncio.create_task(moderator.run()) if moderator else None

    t0 = time.monotonic()
    stop, drained = asyncio.Event(), asyncio.Event()
    rhythm = Rhythm.make(plan, rng)
    phones = [Phone(i, plan, rhythm, words, tally, t0) for i in range(plan.phones)]
    phone_tasks = [asyncio.create_task(p.run(stop, drained)) for p in phones]
    sms_http = sms_session(plan) if plan.sms_senders else None
    senders = [SmsSender(i, plan, words, tally, t0, sms_http)
               for i in range(plan.sms_senders)] if sms_http else []
    sender_tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        while (elapsed := time.monotonic() - t0) < plan.duration:
            view.update(tally, elapsed)
            await asyncio.sleep(0.25)
    finally:
        stop.set()
        view.update(tally, plan.duration)
        await _drain(phones, sender_tasks)
        drained.set()
        await asyncio.wait(phone_tasks, timeout=DRAIN_S)
        if sms_http is not None:
            await sms_http.close()
    await _settle(walls[0], tally)
    if moderator is not None and moderator_task is not None:
        await moderator.close()
        await asyncio.wait([moderator_task], timeout=5)
    verdict = await verify.verify(plan, tally, redis)
    for wall in walls:
        await wall.close()
    await asyncio.wait(wall_tasks, timeout=5)
    for task in [*wall_tasks, *phone_tasks]:
        task.cancel()
    return report.build(shell, tally, verdict, blocklist_on, me.cpu_percent(None))


async def _drain(phones: list[Phone], senders: list[asyncio.Task[None]]) -> None:
    """Let the posts being retried and the last taps go, for at most DRAIN_S."""
    deadline = time.monotonic() + DRAIN_S
    if senders:
        await asyncio.wait(senders, timeout=DRAIN_S)
    while time.monotonic() < deadline:
        if not any(p.posts_running or sum(p.pending.values()) for p in phones):
            return
        await asyncio.sleep(0.1)


async def _settle(wall: Wall, tally: Tally) -> None:
    """Wait until the first wall announces the totals the room sent (or SETTLE_S)."""
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        if all(wall.totals.get(k, 0) >= n for k, n in tally.taps_sent.items()):
            # One more flush interval: a late frame would show a double count.
            await asyncio.sleep(0.3)
            return
        wall.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wall.changed.wait(), 0.5)
