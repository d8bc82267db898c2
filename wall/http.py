"""Reading request bodies safely and answering errors the same way everywhere.

Handlers never return "a value or an error Response": a lookup or a check that fails raises
an `ApiError` (a Starlette `HTTPException`), which the app renders as
`{"error": code, "message": ..., **extra}` with the same security headers as any answer.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

MAX_JSON_BODY = 8 * 1024
# Deeper JSON than any route reads is refused before anything walks it.
MAX_JSON_DEPTH = 32
MAX_JSON_INT = 2**63 - 1
DEFAULT_READ_TIMEOUT = 10.0
# The machine code of a bare HTTPException (raised by Starlette or `read_body`), by status.
CODES = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 408: "timeout", 413: "too_large",
         415: "unsupported_media_type", 429: "rate_limited", 431: "headers_too_large"}


class ApiError(HTTPException):
    """An error answer: status, machine `code`, human message and extra JSON fields."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(status, message, headers)
        self.code = code
        self.extra = extra


class BodyError(ApiError):
    """The body cannot be read as asked (413, 415, 400)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, CODES.get(status, "bad_request"), message)


class NotFound(ApiError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(404, code, message)


class Invalid(ApiError):
    """422: one field of the request is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "validation", message,
                         detail=[{"field": field, "message": message}])


class TooMany(ApiError):
    """429 with the seconds to wait, in `Retry-After` and in the body."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "rate_limited", f"too many requests; try again in {retry_after} s",
                         headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def first_headers(scope: Scope, names: frozenset[bytes]) -> dict[bytes, str]:
    """The request headers named, the first of each as `Headers.get` gives it, found in one
    pass over the raw list: Starlette's `Headers.get` scans the whole list per name and
    raises inside for a missing one (four of those cost ~5 % of a post)."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return found


class AsgiEndpoint:
    """A route's endpoint written against ASGI itself, `handler(scope, receive, send)`:
    Starlette calls an endpoint that is not a function as an ASGI app, without building a
    Request and rendering a Response around it. Errors it raises before answering are
    rendered by the app's handlers, as any route's."""

    __slots__ = ("handler",)

    def __init__(self, handler: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.handler = handler

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.handler(scope, receive, send)  # awaited by the route: no frame of ours


def error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
          **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status,
                        headers=headers)


def render(exc: HTTPException) -> JSONResponse:
    """The JSON answer of any HTTPException, ours or Starlette's."""
    if isinstance(exc, ApiError):
        return error(exc.status_code, exc.code, str(exc.detail), exc.headers, **exc.extra)
    return error(exc.status_code, CODES.get(exc.status_code, "error"), str(exc.detail),
                 exc.headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes (counted as it streams in) and with 408
    when it does not arrive within the read timeout: a client that sends its headers then
    trickles (or stalls) its body must not hold a connection and a task for ever."""
    return await receive_body(request.receive, request.headers.get("content-length"), limit,
                              _read_timeout(request.scope))


async def receive_body(receive: Receive, declared: str | None, limit: int,
                       timeout: float) -> bytes:
    """`read_body` on the ASGI `receive` itself, `declared` the Content-Length header."""
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyError(413, f"the body is larger than {limit} bytes")
    body = b""
    task = asyncio.current_task()
    assert task is not None
    deadlines = _body_deadlines()
    deadlines.arm(task, timeout)
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect
            body += message.get("body", b"")
            if len(body) > limit:
                raise BodyError(413, f"the body is larger than {limit} bytes")
            if not message.get("more_body", False):
                return body
    except asyncio.CancelledError:
        if deadlines.passed(task):
            raise ApiError(408, "timeout", "the body did not arrive in time",
                           headers={"Connection": "close"}) from None
        raise
    finally:
        deadlines.disarm(task)


class _Deadlines:
    """What `asyncio.timeout` does for the tasks of one loop reading a body, for a fraction
    of its cost: one timer, set for the earliest deadline, cancels the tasks past theirs
    (a timer per request, armed and cancelled, was 3–5 % of a post's CPU; under load the
    timer set for the oldest read fires about once per read timeout).
    `passed(task)`, in the task's `except CancelledError`, says whether that cancellation
    was a deadline's (and consumes it, as asyncio.timeout's exit does: a cancellation from
    outside, pending at the same time, still propagates)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # Each reading task: when it must be done, and its pending cancellations then.
        self.reading: dict[asyncio.Task[Any], tuple[float, int]] = {}
        self.expired: dict[asyncio.Task[Any], int] = {}
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = math.inf

    def arm(self, task: asyncio.Task[Any], seconds: float) -> None:
        when = self.loop.time() + seconds
        self.reading[task] = (when, task.cancelling())
        if when < self.timer_at:
            self._set_timer(when)

    def disarm(self, task: asyncio.Task[Any]) -> None:
        self.reading.pop(task, None)

    def passed(self, task: asyncio.Task[Any]) -> bool:
        cancelling = self.expired.pop(task, None)
        return cancelling is not None and task.uncancel() <= cancelling

    def _set_timer(self, when: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer_at = when
        self.timer = self.loop.call_at(when, self._expire)

    def _expire(self) -> None:
        now, earliest = self.loop.time(), math.inf
        self.timer, self.timer_at = None, math.inf
        for task, (when, cancelling) in list(self.reading.items()):
            if when <= now:
                del self.reading[task]
                self.expired[task] = cancelling
                task.cancel()
            else:
                earliest = min(earliest, when)
        if earliest < math.inf:
            self._set_timer(earliest)


_deadlines: _Deadlines | None = None  # the running loop's (one loop per server process)


def _body_deadlines() -> _Deadlines:
    global _deadlines
    loop = asyncio.get_running_loop()
    if _deadlines is None or _deadlines.loop is not loop:
        _deadlines = _Deadlines(loop)
    return _deadlines


def _read_timeout(scope: Scope) -> float:
    try:
        return scope["app"].appstate.read_timeout  # type: ignore[no-any-return]
    except (AttributeError, KeyError):  # an app without Clameur's state
        return DEFAULT_READ_TIMEOUT


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# What json.loads(..., parse_constant=_no_constant) builds on every call, built once.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_json(raw: bytes) -> Any:
    """A JSON document that the rest of the server can use without a surprise, else 400.

    Refused: invalid UTF-8 or JSON, NaN/Infinity, nesting deeper than MAX_JSON_DEPTH (the
    parser recurses: 3,000 `[` raise RecursionError), integers past 64 bits (Python refuses
    to parse more than 4,300 digits with a ValueError; Redis and JavaScript cannot hold
    them anyway), and strings with lone surrogates (`"\\ud800"` parses, then cannot be
    encoded to UTF-8 when stored)."""
    try:
        data = _DECODER.decode(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BodyError(400, "the body is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise BodyError(400, f"invalid JSON: {exc.msg} at position {exc.pos}") from exc
    except (ValueError, RecursionError) as exc:
        raise BodyError(400, "invalid JSON: a value is out of range or nested too deep"
                        ) from exc
    if _may_hold_unsafe(raw):
        _check_values(data)
    return data


# What the document must contain for `_check_values` to find anything: a lone surrogate
# can only come from a `\udXXX` escape (the UTF-8 decoder refuses encoded ones), an
# integer past 64 bits has 19 digits or more, and MAX_JSON_DEPTH levels need as many
# opening brackets. Matches inside strings only cost the walk.
_UNSAFE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|[0-9]{19}")
_NOT_DIGITS = bytes(b for b in range(256) if b not in b"0123456789")


def _may_hold_unsafe(raw: bytes) -> bool:
    if raw.count(b"[") + raw.count(b"{") >= MAX_JSON_DEPTH:
        return True
    # The regex only where it may match: an escape, or 19 digits in all (C, no regex).
    return ((b"\\u" in raw or len(raw.translate(None, _NOT_DIGITS)) >= 19)
            and _UNSAFE_HINT.search(raw) is not None)


def _check_values(data: Any) -> None:
    """Walk the document (without recursion) for depth, integer size and surrogates."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise BodyError(400, "invalid JSON: a string holds a lone surrogate"
                                    ) from exc
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not -MAX_JSON_INT <= value <= MAX_JSON_INT:
                raise BodyError(400, "invalid JSON: an integer is out of range")
        elif isinstance(value, list | dict):
            if depth >= MAX_JSON_DEPTH:
                raise BodyError(400, "invalid JSON: nested too deep")
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((v, depth + 1) for v in value.values())
            else:
                stack.extend((v, depth + 1) for v in value)


async def read_json_object(request: Request, limit: int = MAX_JSON_BODY) -> dict[str, Any]:
    """A JSON object body: 415 if not JSON, 413 too big, 400 unreadable or not an object.

    A refused body counts against the caller's address (`post_ip`) like a post would, so a
    client sending garbage meets the same 429 as one sending posts, before any other work.
    """
    headers = request.headers
    return await receive_json_object(request.scope, request.receive,
                                     headers.get("content-type", ""),
                                     headers.get("content-length"), limit)


async def receive_json_object(scope: Scope, receive: Receive, content_type: str,
                              declared: str | None, limit: int = MAX_JSON_BODY
                              ) -> dict[str, Any]:
    """`read_json_object` on the ASGI scope and `receive`, with the Content-Type and
    Content-Length headers already read."""
    try:
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise BodyError(415, "send the body as application/json")
        data = parse_json(await receive_body(receive, declared, limit, _read_timeout(scope)))
        if not isinstance(data, dict):
            raise BodyError(400, "the body must be a JSON object")
        return data
    except BodyError:
        await _count_refusal(scope)
        raise


async def _count_refusal(scope: Scope) -> None:
    slug = scope.get("path_params", {}).get("slug", "")
    client = scope.get("client")
    if not slug or not client:
        return
    limiter = scope["app"].appstate.limiter
    limited = await limiter.hit(slug, [("post_ip", client[0])])
    if limited is not None:
        raise TooMany(limited.retry_after)
