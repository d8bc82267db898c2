"""Key presses as jobs, run one after the other.

A key handler never does network work itself: it queues a job, and one runner awaits the
jobs in order, so `a` then `u` always undoes that `a`, however slow the network. A job that
fails is reported and the next one runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Job = Callable[[], Awaitable[Any]]


class JobQueue:
    """The desk's queue of jobs; `run()` is its single runner."""

    def __init__(self, on_error: Callable[[Exception], None]) -> None:
        self.on_error = on_error
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()

    def put(self, job: Job) -> None:
        """Run `job` after the ones before it."""
        self._jobs.put_nowait(job)

    async def run(self) -> None:
        """Await each job in turn, until cancelled."""
        while True:
            job = await self._jobs.get()
            try:
                await job()
            except Exception as exc:  # noqa: BLE001 - reported to the moderator, not raised
                self.on_error(exc)
            finally:
                self._jobs.task_done()

    async def join(self) -> None:
        """Until every job queued so far is done (tests and scripts wait on this)."""
        await self._jobs.join()
