"""JSON API: audience posts and reactions, the moderators' queue and decisions, health."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.auth import authorise
from wall.http import error, read_json_object, validation_error
from wall.identity import author_key, client_ip, device_id, set_device_cookie
from wall.models import ACTIONS, MAX_AUTHOR, Event, Item, new_item_id, utc_now_iso
from wall.moderation.intake import EventNotOpen, InvalidItem, RateLimited, accept
from wall.moderation.rules import set_author_flag
from wall.store.decisions import decide
from wall.store.events import get_event
from wall.store.inbox import get_item, pending_items
from wall.store.status import current_status

MAX_REACTION_BATCH = 200


async def event_or_404(request: Request) -> Event | Response:
    event = await get_event(request.app.state.redis, request.path_params["slug"])
    if event is None:
        return error(404, "unknown_event", "no such event")
    return event


async def audience_event(request: Request) -> Event | Response:
    """The event for a post or taps: settings at most a second old, shared by the process
    (wall/eventcache.py), status always current: the hub's when this process listens to the
    event (it follows the feed), else read from Redis."""
    slug = request.path_params["slug"]
    event = await request.app.state.events.get(slug)
    if event is None:
        return error(404, "unknown_event", "no such event")
    status = request.app.state.hub.status(slug) or \
        await current_status(request.app.state.redis, slug)
    return with_status(event, status)


def with_status(event: Event, status: str) -> Event:
    """`event` with its live `status` (none known: as cached)."""
    if status and status != event.status:
        return dataclasses.replace(event, status=status)
    return event


async def stored_refusal(request: Request, event: Event) -> Response | None:
    """The 403 for an event found closed or not open in Redis now, else None."""
    status = await current_status(request.app.state.redis, event.slug)
    return event_closed(with_status(event, status))


def event_closed(event: Event) -> Response | None:
    if event.status == "closed":
        return error(403, "event_closed", "this event is closed")
    if event.status == "draft":
        return error(403, "event_not_open", "this event is not open yet")
    return None


def too_many(retry_after: int) -> Response:
    return error(429, "rate_limited", f"too many requests; try again in {retry_after} s",
                 headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _post_fields(data: dict[str, Any]) -> tuple[str, str, str] | Response:
    text, author, source_id = data.get("text"), data.get("author", ""), data.get("source_id")
    if not isinstance(text, str):
        return validation_error("text", "text is required and must be a string")
    if author is None:
        author = ""
    if not isinstance(author, str) or len(author) > MAX_AUTHOR:
        return validation_error("author", f"author must be a string of at most {MAX_AUTHOR} "
                                          "characters")
    if source_id is None:
        source_id = secrets.token_hex(8)
    if not isinstance(source_id, str) or not 1 <= len(source_id) <= 64:
        return validation_error("source_id", "source_id must be a string of 1 to 64 characters")
    return text, author, source_id


async def create_post(request: Request) -> Response:
    """A post from a phone, in one Redis round trip: the insert script also counts the
    rate limits and, unless this process follows the event (the hub's status is then
    used), reads the event's status first. An item refused before the insert (empty
    message) still reads the status, then counts the limits, in the same order."""
    slug = request.path_params["slug"]
    event = await request.app.state.events.get(slug)
    if event is None:
        return error(404, "unknown_event", "no such event")
    live = request.app.state.hub.status(slug)
    event = with_status(event, live)
    data = await read_json_object(request)
    fields = _post_fields(data)
    if isinstance(fields, Response):
        return fields
    if live and (closed := event_closed(event)) is not None:
        return closed
    text, author, source_id = fields
    device, new_device = device_id(request)
    limiter = request.app.state.limiter
    checks = [("post_device", device), ("post_ip", client_ip(request))]
    item = Item(id=new_item_id(), event=event.slug, source="web",
                source_id=f"{device}:{source_id}", author=author, text=text,
                received_at=utc_now_iso(), author_key=author_key(request, "web", device))
    try:
        accepted = await accept(request.app.state.redis, event, item, check_status=not live,
                                limits=limiter.plan(event.slug, checks))
    except EventNotOpen as exc:
        return event_closed(with_status(event, exc.status)) or \
            error(403, "event_closed", "this event is closed")
    except RateLimited as exc:
        request.app.state.metrics.limited.labels("post").inc()
        return too_many(exc.limited.retry_after)
    except InvalidItem as exc:
        if not live and (closed := await stored_refusal(request, event)) is not None:
            return closed
        if limited := await limiter.hit(event.slug, checks):
            request.app.state.metrics.limited.labels("post").inc()
            return too_many(limited.retry_after)
        request.app.state.metrics.items.labels("web", "invalid").inc()
        return validation_error(exc.field, exc.message)
    request.app.state.metrics.items.labels(
        "web", "duplicate" if accepted.duplicate else "accepted").inc()
    response = JSONResponse({"id": accepted.id, "status": accepted.status}, status_code=202)
    if new_device:
        set_device_cookie(request, response, device)
    return response


def reaction_counts(event: Event, data: dict[str, Any]) -> dict[str, int] | Response:
    """`{"kind", "count"?}` or `{"counts": {kind: n}}` as validated counts."""
    if "counts" in data:
        counts = data["counts"]
        if not isinstance(counts, dict):
            return validation_error("counts", "counts must be an object {kind: number}")
    else:
        kind = data.get("kind")
        if not isinstance(kind, str):
            return validation_error("kind", f"kind must be one of {', '.join(event.reactions)}")
        counts = {kind: data.get("count", 1)}
    out: dict[str, int] = {}
    for kind, n in counts.items():
        if kind not in event.reactions:
            return validation_error("kind", f"kind must be one of {', '.join(event.reactions)}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REACTION_BATCH:
            return validation_error("count", f"count must be an integer from 1 to "
                                             f"{MAX_REACTION_BATCH}")
        out[kind] = n
    return out


async def create_reactions(request: Request) -> Response:
    event = await audience_event(request)
    if isinstance(event, Response):
        return event
    counts = reaction_counts(event, await read_json_object(request))
    if isinstance(counts, Response):
        return counts
    if (closed := event_closed(event)) is not None:
        return closed
    taps = sum(counts.values())
    device, new_device = device_id(request)
    limited = await request.app.state.limiter.hit(
        event.slug, [("reaction_device", device), ("reaction_ip", client_ip(request))], taps)
    if limited:
        # Past the limit taps are dropped silently: a reaction is never worth an error.
        request.app.state.metrics.limited.labels("reaction").inc()
        return JSONResponse({"accepted": 0}, status_code=202)
    for kind, n in counts.items():
        request.app.state.reactions.add(event.slug, kind, n)
    request.app.state.metrics.taps.inc(taps)
    response = JSONResponse({"accepted": taps}, status_code=202)
    if new_device:
        set_device_cookie(request, response, device)
    return response


async def queue(request: Request) -> Response:
    slug = request.path_params["slug"]
    await authorise(request, slug)
    event = await event_or_404(request)
    if isinstance(event, Response):
        return event
    items = await pending_items(request.app.state.redis, slug)
    return JSONResponse({"items": [i.__dict__ for i in items]})


async def decide_item(request: Request) -> Response:
    slug, item_id = request.path_params["slug"], request.path_params["item_id"]
    token = await authorise(request, slug)
    data = await read_json_object(request)
    action, expected = data.get("action"), data.get("expected", "")
    if action not in ACTIONS:
        return validation_error("action", f"action must be one of {', '.join(ACTIONS)}")
    if not isinstance(expected, str):
        return validation_error("expected", "expected must be a state name")
    redis = request.app.state.redis
    moderator = token.label or f"moderator-{token.id}"
    outcome = await decide(redis, slug, item_id, action, by=moderator, expected=expected)
    request.app.state.metrics.decisions.labels(action, outcome.status).inc()
    if outcome.status == "missing":
        return error(404, "unknown_item", "no such item in this event")
    if outcome.status == "conflict":
        who = (outcome.previous or {}).get("by", "")
        return error(409, "conflict", f"already {outcome.state} by {who or 'someone'}",
                     state=outcome.state, decided_by=who,
                     decided_at=(outcome.previous or {}).get("at", ""))
    return JSONResponse({"id": item_id, "action": action, "state": outcome.state,
                         "position": outcome.position or None, "by": moderator})


async def author_flag(request: Request) -> Response:
    """Ban or trust the author of an item: `{"flag": "banned"|"trusted", "on": bool}`."""
    slug, item_id = request.path_params["slug"], request.path_params["item_id"]
    await authorise(request, slug)
    data = await read_json_object(request)
    flag, on = data.get("flag"), data.get("on", True)
    if flag not in ("banned", "trusted") or not isinstance(on, bool):
        return validation_error("flag", "flag must be banned or trusted, on a boolean")
    item = await get_item(request.app.state.redis, slug, item_id)
    if item is None or not item.author_key:
        return error(404, "unknown_item", "no such item, or its author cannot be identified")
    await set_author_flag(request.app.state.redis, slug, item.author_key, flag, on)
    return JSONResponse({"author_key": item.author_key, "flag": flag, "on": on})


async def healthz(request: Request) -> Response:
    try:
        await request.app.state.redis.ping()
    except Exception:  # noqa: BLE001 - any failure to answer means unhealthy
        return JSONResponse({"status": "unavailable", "redis": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "redis": "up", "connections":
                         request.app.state.hub.connections()})


routes = [
    Route("/api/events/{slug}/posts", create_post, methods=["POST"]),
    Route("/api/events/{slug}/reactions", create_reactions, methods=["POST"]),
    Route("/api/events/{slug}/queue", queue, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/decisions", decide_item, methods=["POST"]),
    Route("/api/events/{slug}/items/{item_id}/author", author_flag, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]
