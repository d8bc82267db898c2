"""Routes that need an admin token of the event: the moderation mode and the lifecycle.

| route | answers |
| --- | --- |
| `PUT /api/events/{slug}/mode` | `{"mode": "pre"|"post"}` |
| `POST /api/events/{slug}/status` | `{"status": "draft"|"open"|"closed"}`; walls are told |
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import Invalid, read_json_object
from wall.models import MODES, STATUSES
from wall.routes._shared import known_event
from wall.store.events import update_event


async def set_mode(request: Request) -> Response:
    """Switch pre/post moderation."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    mode = (await read_json_object(request)).get("mode")
    if mode not in MODES:
        raise Invalid("mode", f"mode must be one of {', '.join(MODES)}")
    updated = await update_event(app_state(request).redis, event.slug, {"mode": mode})
    return JSONResponse({"slug": event.slug, "mode": updated.mode})


async def set_status(request: Request) -> Response:
    """Open or close the event; walls and audiences get a `status` frame when it changes."""
    await authorise(request, request.path_params["slug"], role="admin")
    status = (await read_json_object(request)).get("status")
    if status not in STATUSES:
        raise Invalid("status", f"status must be one of {', '.join(STATUSES)}")
    event = await known_event(request)
    updated = await update_event(app_state(request).redis, event.slug, {"status": status})
    return JSONResponse({"slug": event.slug, "status": updated.status})


routes = [
    Route("/api/events/{slug}/mode", set_mode, methods=["PUT"]),
    Route("/api/events/{slug}/status", set_status, methods=["POST"]),
]
