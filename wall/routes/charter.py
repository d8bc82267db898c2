"""The event's moderation charter: read by anyone, written by an admin.

- `GET /api/events/{slug}/charter?lang=fr` (anyone) → `200 {"lang", "custom", "text",
  "rules": [{"code", "label", "text"}], "closing"}`
- `PUT /api/events/{slug}/charter` (admin token) `{"lang": "fr"|"en", "text": str}` →
  `200 {"charter": {lang: text}}`; an empty text restores the default in that language
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import Invalid, read_json_object
from wall.i18n import LANGUAGES
from wall.moderation.charter import charter_for, clean_charter
from wall.routes._shared import known_event, page_language
from wall.store.events import update_event

MAX_BODY = 32 * 1024


async def read_charter(request: Request) -> Response:
    event = await known_event(request)
    charter = charter_for(event, page_language(request))
    return JSONResponse({
        "lang": charter.lang, "custom": bool(charter.custom), "text": charter.custom,
        "rules": [{"code": c, "label": label, "text": text} for c, label, text in charter.rules],
        "closing": charter.closing})


async def write_charter(request: Request) -> Response:
    """An admin sets the charter of one language (plain text), or clears it."""
    slug = request.path_params["slug"]
    await authorise(request, slug, "admin")
    event = await known_event(request)
    data = await read_json_object(request, MAX_BODY)
    lang, text = data.get("lang"), data.get("text")
    if lang not in LANGUAGES:
        raise Invalid("lang", f"lang must be one of {', '.join(LANGUAGES)}")
    if not isinstance(text, str):
        raise Invalid("text", "text must be a string (empty: the default charter)")
    try:
        cleaned = clean_charter(text)
    except ValueError as exc:
        raise Invalid("text", str(exc)) from exc
    charter = {k: v for k, v in event.charter.items() if k != lang}
    if cleaned:
        charter[str(lang)] = cleaned
    updated = await update_event(app_state(request).redis, slug, {"charter": charter})
    return JSONResponse({"charter": updated.charter})


routes = [
    Route("/api/events/{slug}/charter", read_charter, methods=["GET"]),
    Route("/api/events/{slug}/charter", write_charter, methods=["PUT"]),
]
