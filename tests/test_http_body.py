"""Reading a request body (wall/http.py::read_body) with its deadline, as asyncio.timeout
would: a stalled body is a 408, a cancellation from outside stays a cancellation, and
nothing is left to cancel the task once the body is read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.requests import Request

from wall.http import ApiError, read_body, receive_body

DEADLINE = 0.05


def _request(messages: list[dict[str, Any]], stall: bool = True) -> Request:
    """A request whose body arrives as `messages`, then (`stall`) never more."""
    pending = list(messages)

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        if stall:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    app = SimpleNamespace(appstate=SimpleNamespace(read_timeout=DEADLINE))
    return Request({"type": "http", "method": "POST", "headers": [], "app": app}, receive)


async def test_a_body_read_at_once_leaves_no_deadline_behind() -> None:
    request = _request([{"type": "http.request", "body": b'{"a"', "more_body": True},
                        {"type": "http.request", "body": b": 1}"}])
    assert await read_body(request, 100) == b'{"a": 1}'
    await asyncio.sleep(DEADLINE * 3)  # the timer is gone: this task is not cancelled
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_stalled_body_is_a_408() -> None:
    request = _request([{"type": "http.request", "body": b"{", "more_body": True}])
    with pytest.raises(ApiError) as refused:
        await read_body(request, 100)
    assert refused.value.status_code == 408
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_cancellation_from_outside_stays_one() -> None:
    """Cancelled while the body is awaited: the caller's cancellation propagates, never
    turned into a 408; a body too large is still a 413."""
    task = asyncio.create_task(read_body(_request([]), 100))
    asyncio.get_running_loop().call_later(DEADLINE / 5, task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await task
    request = _request([{"type": "http.request", "body": b"x" * 101}], stall=False)
    with pytest.raises(ApiError) as too_big:
        await read_body(request, 100)
    assert too_big.value.status_code == 413


async def test_stalled_bodies_are_refused_each_at_its_own_deadline() -> None:
    """One timer serves every read of the loop: stalled reads with different deadlines,
    started together, are refused in deadline order, each no sooner than its own; a read
    that completes meanwhile is answered and never cancelled."""
    loop = asyncio.get_running_loop()

    async def stalled(seconds: float) -> float:
        started = loop.time()
        with pytest.raises(ApiError) as refused:
            await receive_body(_request([{"type": "http.request", "body": b"{",
                                          "more_body": True}]).receive, None, 100, seconds)
        assert refused.value.status_code == 408
        return loop.time() - started

    async def completes() -> bytes:
        messages = [{"type": "http.request", "body": b"{}", "more_body": True},
                    {"type": "http.request", "body": b""}]

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(DEADLINE)
            return messages.pop(0)

        body = await receive_body(receive, None, 100, DEADLINE * 10)
        await asyncio.sleep(DEADLINE * 12)  # past its deadline: nothing cancels this task
        return body

    late, early, done = await asyncio.gather(stalled(DEADLINE * 4), stalled(DEADLINE),
                                             completes())
    assert DEADLINE <= early < late and late >= DEADLINE * 4
    assert done == b"{}"
