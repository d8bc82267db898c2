"""Stopping a background task ends it, even when its first cancellation is absorbed."""

from __future__ import annotations

import asyncio
import random

from redis.asyncio import Redis

from wall.tasks import cancel_and_wait


async def test_a_task_that_absorbs_its_first_cancel_is_cancelled_again() -> None:
    """As `asyncio.wait_for` does on Python 3.11 when the cancel lands with the result."""
    async def stubborn() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            pass  # absorbed
        while True:
            await asyncio.sleep(0.01)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.cancelled()


async def test_a_loop_reading_redis_ends_wherever_the_cancel_lands(redis: Redis) -> None:
    """A connector-like loop on a real Redis, stopped at 10 random moments: it always ends
    (with one plain cancel, some of these loops went on for ever)."""
    await redis.set("tasks:probe", "1")

    async def reading() -> None:
        while True:
            await redis.get("tasks:probe")

    for _ in range(10):
        task = asyncio.create_task(reading())
        await asyncio.sleep(random.uniform(0, 0.002))
        await cancel_and_wait(task)
        assert task.done()
    await redis.delete("tasks:probe")


async def test_errors_of_stopped_tasks_are_retrieved_not_raised() -> None:
    async def failing() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert isinstance(task.exception(), ValueError)
