"""Run every connector the open events need; restart a failing one with backoff.

The supervisor re-reads the events every few seconds: a connector starts when an event
opens or gains a hashtag, stops when it closes, and restarts when its settings change
(the connector's key carries its settings). A connector that raises is restarted after a
pause that doubles up to a ceiling; the others go on. What each one does is written to
the event's `sources` hash for operators.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wall.models import Event
from wall.store.client import Client, StoreError
from wall.store.events import list_events
from wall.store.ingest import record_status
from wall.tasks import cancel_and_wait

log = logging.getLogger("clameur.ingest")

Runner = Callable[[], Awaitable[None]]
# event -> {connector key: (display name, runner factory)}
Planner = Callable[[Event], dict[str, tuple[str, Runner]]]


@dataclass
class Backoff:
    first: float = 1.0
    longest: float = 300.0

    def delay(self, failures: int) -> float:
        base = min(self.longest, self.first * 2 ** max(failures - 1, 0))
        return base * random.uniform(0.8, 1.0)


class Supervisor:
    """Owns one asyncio task per wanted connector."""

    def __init__(self, redis: Client, planner: Planner, backoff: Backoff,
                 refresh: float = 10.0, only: set[str] | None = None) -> None:
        self.redis = redis
        self.planner = planner
        self.backoff = backoff
        self.refresh = refresh
        self.only = only
        self.tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Reconcile connectors with the events until `stop` is set."""
        try:
            while not stop.is_set():
                try:
                    await self.reconcile()
                except StoreError as exc:
                    log.warning("cannot read events: %s", exc)
                try:
                    await asyncio.wait_for(stop.wait(), self.refresh)
                except TimeoutError:
                    pass
        finally:
            await self.stop_all()

    async def reconcile(self) -> None:
        wanted: dict[tuple[str, str], tuple[str, Runner]] = {}
        for event in await list_events(self.redis):
            if event.status != "open" or (self.only and event.slug not in self.only):
                continue
            for key, plan in self.planner(event).items():
                wanted[(event.slug, key)] = plan
        for ident in list(self.tasks):
            if ident not in wanted:
                await self._cancel(ident)
        for ident, (name, runner) in wanted.items():
            if ident not in self.tasks:
                self.tasks[ident] = asyncio.create_task(self._supervise(ident[0], name, runner),
                                                        name=f"{ident[0]}/{name}")

    async def _supervise(self, slug: str, name: str, runner: Runner) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            started = loop.time()
            await self._status(slug, name, state="running", restarts=failures)
            try:
                await runner()
                raise RuntimeError("connector returned")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means restart later
                if loop.time() - started > self.backoff.longest:
                    failures = 0  # it had been healthy for a long while
                failures += 1
                delay = self.backoff.delay(failures)
                log.warning("%s/%s failed (%s: %s); restart in %.1fs", slug, name,
                            type(exc).__name__, exc, delay)
                await self._status(slug, name, state="backoff", restarts=failures,
                                   error=f"{type(exc).__name__}: {exc}"[:300], retry_in=delay)
                await asyncio.sleep(delay)

    async def _status(self, slug: str, name: str, **fields: object) -> None:
        try:
            await record_status(self.redis, slug, name, **fields)
        except StoreError:
            pass  # status is informative only; the connector's own work will fail loudly

    async def _cancel(self, ident: tuple[str, str]) -> None:
        await cancel_and_wait(self.tasks.pop(ident))

    async def stop_all(self) -> None:
        for ident in list(self.tasks):
            await self._cancel(ident)
