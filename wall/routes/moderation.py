"""Every route of the moderators' desk (a moderator token of the event).

| route | answers |
| --- | --- |
| `GET /api/events/{slug}/queue` | pending items, oldest first |
| `POST /api/events/{slug}/items/{id}/decisions` | `{"action", "expected"?, "reason"?}` → state |
| `GET /api/events/{slug}/desk` | event, counters, what the wall shows now |
| `GET /api/events/{slug}/rules` | items the automatic rules decided, newest first |
| `GET /api/events/{slug}/items/{id}/author` | that author's record and flags |
| `POST /api/events/{slug}/items/{id}/author` | `{"flag": "banned"|"trusted", "on"}` |
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import ApiError, Invalid, NotFound, read_json_object
from wall.models import ACTIONS, Item
from wall.moderation.charter import RULE_CODES
from wall.routes._shared import known_event, moderator_name
from wall.store.authors import author_record, set_author_flag
from wall.store.decisions import decide
from wall.store.desk import counters
from wall.store.inbox import get_item, pending_items
from wall.store.overview import on_wall, rule_decisions


async def _item(request: Request) -> Item:
    item = await get_item(app_state(request).redis, request.path_params["slug"],
                          request.path_params["item_id"])
    if item is None:
        raise NotFound("unknown_item", "no such item in this event")
    return item


async def queue(request: Request) -> Response:
    await authorise(request, request.path_params["slug"])
    event = await known_event(request)
    items = await pending_items(app_state(request).redis, event.slug)
    return JSONResponse({"items": [i.__dict__ for i in items]})


async def decide_item(request: Request) -> Response:
    state = app_state(request)
    slug, item_id = request.path_params["slug"], request.path_params["item_id"]
    token = await authorise(request, slug)
    data = await read_json_object(request)
    action, expected = data.get("action"), data.get("expected", "")
    if action not in ACTIONS:
        raise Invalid("action", f"action must be one of {', '.join(ACTIONS)}")
    if not isinstance(expected, str):
        raise Invalid("expected", "expected must be a state name")
    # The charter rule a post broke (wall/moderation/charter.py), shown to its author.
    reason = data.get("reason") or ""
    if reason and (reason not in RULE_CODES or action not in ("reject", "retract")):
        raise Invalid("reason", f"reason: one of {', '.join(RULE_CODES)}, with reject or "
                                "retract")
    moderator = moderator_name(token)
    outcome = await decide(state.redis, slug, item_id, action, by=moderator, expected=expected,
                           rule=f"charter:{reason}" if reason else "")
    state.metrics.decisions.labels(action, outcome.status).inc()
    if outcome.status == "missing":
        raise NotFound("unknown_item", "no such item in this event")
    if outcome.status == "conflict":
        previous = outcome.previous or {}
        who = previous.get("by", "")
        raise ApiError(409, "conflict", f"already {outcome.state} by {who or 'someone'}",
                       state=outcome.state, decided_by=who, decided_at=previous.get("at", ""))
    return JSONResponse({"id": item_id, "action": action, "state": outcome.state,
                         "position": outcome.position or None, "by": moderator})


async def desk(request: Request) -> Response:
    redis = app_state(request).redis
    token = await authorise(request, request.path_params["slug"])
    event = await known_event(request)
    return JSONResponse({
        "event": {"slug": event.slug, "title": event.title, "mode": event.mode,
                  "status": event.status, "timezone": event.timezone},
        "moderator": moderator_name(token), "role": token.role,
        "counters": await counters(redis, event.slug),
        "wall": await on_wall(redis, event.slug),
    })


async def rules(request: Request) -> Response:
    await authorise(request, request.path_params["slug"])
    event = await known_event(request)
    return JSONResponse({"items": await rule_decisions(app_state(request).redis, event.slug)})


async def author(request: Request) -> Response:
    """How this item's author fared: approved and rejected counts, banned, trusted."""
    await authorise(request, request.path_params["slug"])
    item = await _item(request)
    if not item.author_key:
        return JSONResponse({"known": False, "approved": 0, "rejected": 0,
                             "banned": False, "trusted": False})
    record = await author_record(app_state(request).redis, item.event, item.author_key)
    return JSONResponse({"known": True, **record})


async def author_flag(request: Request) -> Response:
    """Ban or trust the author of an item: `{"flag": "banned"|"trusted", "on": bool}`."""
    await authorise(request, request.path_params["slug"])
    data = await read_json_object(request)
    flag, on = data.get("flag"), data.get("on", True)
    if flag not in ("banned", "trusted") or not isinstance(on, bool):
        raise Invalid("flag", "flag must be banned or trusted, on a boolean")
    item = await get_item(app_state(request).redis, request.path_params["slug"],
                          request.path_params["item_id"])
    if item is None or not item.author_key:
        raise NotFound("unknown_item", "no such item, or its author cannot be identified")
    await set_author_flag(app_state(request).redis, item.event, item.author_key, flag, on)
    return JSONResponse({"author_key": item.author_key, "flag": flag, "on": on})


routes = [
    Route("/api/events/{slug}/queue", queue, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/decisions", decide_item, methods=["POST"]),
    Route("/api/events/{slug}/desk", desk, methods=["GET"]),
    Route("/api/events/{slug}/rules", rules, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/author", author, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/author", author_flag, methods=["POST"]),
]
