"""Reading request bodies safely and answering errors the same way everywhere.

Handlers never return "a value or an error Response": a lookup or a check that fails raises
an `ApiError` (a Starlette `HTTPException`), which the app renders as
`{"error": code, "message": ..., **extra}` with the same security headers as any answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_JSON_BODY = 8 * 1024
# The machine code of a bare HTTPException (raised by Starlette or `read_body`), by status.
CODES = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
         429: "rate_limited"}


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
    """The body, refused with 413 past `limit` bytes (counted as it streams in)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyError(413, f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyError(413, f"the body is larger than {limit} bytes")
    return bytes(body)


async def read_json_object(request: Request, limit: int = MAX_JSON_BODY) -> dict[str, Any]:
    """A JSON object body: 415 if not JSON, 413 too big, 400 unreadable or not an object."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise BodyError(415, "send the body as application/json")
    raw = await read_body(request, limit)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BodyError(400, "the body is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise BodyError(400, f"invalid JSON: {exc.msg} at position {exc.pos}") from exc
    if not isinstance(data, dict):
        raise BodyError(400, "the body must be a JSON object")
    return data
