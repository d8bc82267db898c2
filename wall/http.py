"""Reading request bodies safely and answering errors the same way everywhere."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_JSON_BODY = 8 * 1024


class BodyError(HTTPException):
    pass


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None,
          **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status,
                        headers=headers)


def validation_error(field: str, message: str) -> JSONResponse:
    return error(422, "validation", message, detail=[{"field": field, "message": message}])


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
