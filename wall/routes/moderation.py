"""What the moderators' desk needs beyond the queue: overview, rules tab, authors, mode.

| route | who | answers |
| --- | --- | --- |
| `GET /api/events/{slug}/desk` | moderator | event, counters, what the wall shows now |
| `GET /api/events/{slug}/rules` | moderator | items the automatic rules decided, newest first |
| `GET /api/events/{slug}/items/{id}/author` | moderator | that author's history and flags |
| `PUT /api/events/{slug}/mode` | admin | `{"mode": "pre" or "post"}` |
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.auth import authorise
from wall.http import error, read_json_object, validation_error
from wall.live.presence import counters
from wall.models import MODES, Item
from wall.routes.api import event_or_404
from wall.store import keys
from wall.store.events import update_event
from wall.store.inbox import get_item, get_items

RULES_LIMIT = 200
AUDIT_SCAN = 5_000
AUDIT_PAGE = 500
HIGHLIGHT_SCAN = 200
RECENT_ON_WALL = 20


Entries = list[tuple[str, dict[str, str]]]


async def _xrevrange(redis: Redis, key: str, end: str = "+", count: int = 100) -> Entries:
    """XREVRANGE with the types a `decode_responses` client returns."""
    return cast(Entries, await redis.xrevrange(key, max=end, min="-", count=count))


def _moderator(info: Any) -> str:
    return str(info.label or f"moderator-{info.id}")


async def _highlighted(redis: Redis, slug: str) -> str | None:
    """The id of the last highlight in the feed, while that item is still on the wall."""
    for _, fields in await _xrevrange(redis, keys.feed(slug), count=HIGHLIGHT_SCAN):
        if fields.get("type") == "highlight":
            still = await redis.zscore(keys.onwall(slug), fields["id"])
            return fields["id"] if still is not None else None
    return None


async def on_wall(redis: Redis, slug: str) -> dict[str, Any]:
    """Pinned, highlighted and the most recent items on the wall now."""
    pinned_id = cast(str | None, await redis.get(keys.pinned(slug)))
    highlight_id = await _highlighted(redis, slug)
    recent = cast(list[str], await redis.zrevrange(keys.onwall(slug), 0, RECENT_ON_WALL - 1))
    wanted = [i for i in (pinned_id, highlight_id) if i] + list(recent)
    by_id = {i.id: i.__dict__ for i in await get_items(redis, slug, wanted)}
    return {"pinned": by_id.get(pinned_id) if pinned_id else None,
            "highlighted": by_id.get(highlight_id) if highlight_id else None,
            "recent": [by_id[i] for i in recent if i in by_id],
            "count": int(await redis.zcard(keys.onwall(slug)))}


async def desk(request: Request) -> Response:
    slug = request.path_params["slug"]
    info = await authorise(request, slug)
    event = await event_or_404(request)
    if isinstance(event, Response):
        return event
    redis = request.app.state.redis
    return JSONResponse({
        "event": {"slug": event.slug, "title": event.title, "mode": event.mode,
                  "status": event.status},
        "moderator": _moderator(info), "role": info.role,
        "counters": await counters(redis, slug),
        "wall": await on_wall(redis, slug),
    })


async def rule_decisions(redis: Redis, slug: str, limit: int = RULES_LIMIT) -> list[dict[str, Any]]:
    """The latest rule decision of each item, newest first, read back from the audit."""
    found: dict[str, dict[str, str]] = {}
    end, scanned = "+", 0
    while len(found) < limit and scanned < AUDIT_SCAN:
        page = await _xrevrange(redis, keys.audit(slug), end, AUDIT_PAGE)
        for _position, fields in page:
            if fields.get("by") == "rules" and fields.get("id") not in found:
                found[fields["id"]] = fields
        scanned += len(page)
        if len(page) < AUDIT_PAGE:
            break
        end = f"({page[-1][0]}"
    ids = list(found)[:limit]
    if not ids:
        return []
    items = {i.id: i for i in await get_items(redis, slug, ids)}
    states = await redis.hmget(keys.state(slug), ids)
    out = []
    for item_id, state in zip(ids, states, strict=True):
        item: Item | None = items.get(item_id)
        if item is not None:
            fields = found[item_id]
            out.append({"item": item.__dict__, "rule": fields.get("rule", ""),
                        "action": fields.get("action", ""), "at": fields.get("at", ""),
                        "state": state or ""})
    return out


async def rules(request: Request) -> Response:
    slug = request.path_params["slug"]
    await authorise(request, slug)
    event = await event_or_404(request)
    if isinstance(event, Response):
        return event
    return JSONResponse({"items": await rule_decisions(request.app.state.redis, slug)})


async def author(request: Request) -> Response:
    """How this item's author fared: approved and rejected counts, banned, trusted."""
    slug, item_id = request.path_params["slug"], request.path_params["item_id"]
    await authorise(request, slug)
    redis = request.app.state.redis
    item = await get_item(redis, slug, item_id)
    if item is None:
        return error(404, "unknown_item", "no such item in this event")
    if not item.author_key:
        return JSONResponse({"known": False, "approved": 0, "rejected": 0,
                             "banned": False, "trusted": False})
    names = ("approved", "rejected", "banned", "trusted")
    values = await redis.hmget(keys.authors(slug), [f"{item.author_key}|{n}" for n in names])
    approved, rejected, banned, trusted = (v or "0" for v in values)
    return JSONResponse({"known": True, "approved": int(approved), "rejected": int(rejected),
                         "banned": banned == "1", "trusted": trusted == "1"})


async def set_mode(request: Request) -> Response:
    """Switch pre/post moderation (admin tokens only)."""
    slug = request.path_params["slug"]
    await authorise(request, slug, role="admin")
    event = await event_or_404(request)
    if isinstance(event, Response):
        return event
    mode = (await read_json_object(request)).get("mode")
    if mode not in MODES:
        return validation_error("mode", f"mode must be one of {', '.join(MODES)}")
    updated = await update_event(request.app.state.redis, slug, {"mode": mode})
    return JSONResponse({"slug": slug, "mode": updated.mode})


routes = [
    Route("/api/events/{slug}/desk", desk, methods=["GET"]),
    Route("/api/events/{slug}/rules", rules, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/author", author, methods=["GET"]),
    Route("/api/events/{slug}/mode", set_mode, methods=["PUT"]),
]
