"""Live captions, sent by a captioner (a `captioner` token of the event, or a moderator's or
an admin's): the caption band of the wall and of the phone page, and the transcript.

`POST /api/events/{slug}/captions`: `text/plain; charset=utf-8`, one caption a line (or
JSON `{"text"}`) → `202 {"accepted", "ids"}`.

CART software and meeting tools send plain text: each non-empty line is one caption,
stored in order (`wall/store/captions.py`) and pushed to walls and phones as a `caption`
frame by the hub. A line is normalised like a message (NFC, invisible and direction-
changing characters removed, blanks collapsed) and refused, never cut, past MAX_LINE.
"""

from __future__ import annotations

import unicodedata

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import BodyError, Invalid, TooMany, parse_json, read_body
from wall.moderation.text import normalise_text
from wall.routes._shared import known_event, refuse_unless_open
from wall.store.captions import add_lines

MAX_BODY = 16 * 1024
MAX_LINE = 500
MAX_LINES = 100
# Tabs become spaces; every other C0/C1 control character is refused (a binary upload, or
# a terminal's escape codes, is not speech).
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def _text(request: Request, body: bytes) -> str:
    """The body's text: plain text (UTF-8, the only charset taken) or JSON `{"text"}`."""
    ctype, _, params = request.headers.get("content-type", "").partition(";")
    ctype = ctype.strip().lower()
    if ctype == "application/json":
        data = parse_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise Invalid("text", 'send {"text": "one caption per line"}')
        return str(data["text"])
    if ctype != "text/plain":
        raise BodyError(415, "send captions as text/plain; charset=utf-8 (or JSON {\"text\"})")
    charset = params.strip().lower().removeprefix("charset=").strip('"') if params else ""
    if charset not in ("", "utf-8", "utf8", "us-ascii"):
        raise BodyError(415, "captions must be UTF-8 (text/plain; charset=utf-8)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, "the body is not valid UTF-8") from exc


def caption_lines(text: str) -> list[str]:
    """The captions in `text`: one a line, normalised, empty lines dropped; Invalid (422)
    for a control character, a line too long, too many lines, or no caption at all."""
    text = text.removeprefix("\ufeff")
    lines: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        bad = next((ch for ch in raw if ch not in _ALLOWED_CONTROLS
                    and unicodedata.category(ch) == "Cc"), None)
        if bad is not None:
            raise Invalid("text", f"line {number} holds the control character "
                                  f"U+{ord(bad):04X}")
        line = normalise_text(raw.replace("\t", " "))
        if len(line) > MAX_LINE:
            raise Invalid("text", f"line {number} is longer than {MAX_LINE} characters "
                                  f"({len(line)}): send it as two lines")
        if line:
            lines.append(line)
    if not lines:
        raise Invalid("text", "no caption: send at least one line of text")
    if len(lines) > MAX_LINES:
        raise Invalid("text", f"at most {MAX_LINES} lines per request ({len(lines)})")
    return lines


async def post_captions(request: Request) -> Response:
    state = app_state(request)
    slug = request.path_params["slug"]
    token = await authorise(request, slug, "captioner")
    event = await known_event(request)
    await refuse_unless_open(request, event)
    lines = caption_lines(_text(request, await read_body(request, MAX_BODY)))
    limited = await state.limiter.hit(slug, [("caption_token", token.id)], cost=len(lines))
    if limited is not None:
        raise TooMany(limited.retry_after)
    ids = await add_lines(state.redis, slug, lines, by=token.id)
    return JSONResponse({"accepted": len(ids), "ids": ids}, status_code=202)


routes = [
    Route("/api/events/{slug}/captions", post_captions, methods=["POST"]),
]
