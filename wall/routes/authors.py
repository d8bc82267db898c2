"""What became of my posts, and withdrawing one: routes of the phone that posted them.

- `GET /api/events/{slug}/my-posts?ids=a,b` → `200 {"items": [{"id", "text", "kind",
  "received_at", "status", "rule", "rule_label"}...]}`
- `DELETE /api/events/{slug}/my-posts/{id}` → `200 {"id", "status": "withdrawn"}`; `404`
  not a post of this device; `409` already not shown

The signed device cookie (wall/identity.py) is the only credential: a post belongs to the
device whose keyed hash is its author key. The phone names the ids it posted (the page
keeps them); an id of another device, or of no post, is left out of the answer (or 404),
exactly like an id that does not exist, so nobody learns anything about other posts.
A withdrawal is a decision of the author (`by: "author"`, `rule: "withdrawn"` in the
audit): a pending post leaves the queue, an approved one leaves the wall (`retract`), and
no moderator can approve it again.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.http import ApiError, Invalid, NotFound
from wall.identity import author_key, signed_device
from wall.models import Item
from wall.moderation.charter import AUTHOR, WITHDRAWN, outcome, rule_label
from wall.routes._shared import known_event, page_language
from wall.store.client import Client
from wall.store.decisions import decide
from wall.store.posts import posts_with_states

MAX_IDS = 50
_ID = re.compile(r"[0-9a-z]{1,40}")


def _owner(request: Request) -> str:
    """The author key of this device's web posts ("" without a valid device cookie)."""
    device = signed_device(request)
    return author_key(request, "web", device) if device else ""


def _ids(request: Request) -> list[str]:
    raw = request.query_params.get("ids", "")
    ids = list(dict.fromkeys(i for i in raw.split(",") if i))
    if len(ids) > MAX_IDS or not all(_ID.fullmatch(i) for i in ids):
        raise Invalid("ids", f"ids: at most {MAX_IDS} post ids, separated by commas")
    return ids


async def my_posts(request: Request) -> Response:
    """This device's posts among `ids`, each with what became of it."""
    event = await known_event(request)
    ids, owner = _ids(request), _owner(request)
    lang = page_language(request)
    out = []
    if owner and ids:
        for item, state, decision in await posts_with_states(app_state(request).redis,
                                                             event.slug, ids):
            if item.author_key != owner or item.source != "web":
                continue
            seen = outcome(state, decision, item.held)
            out.append({"id": item.id, "text": item.text, "kind": item.kind,
                        "received_at": item.received_at, "status": seen.status,
                        "rule": seen.rule, "rule_label": rule_label(seen.rule, lang)})
    return JSONResponse({"items": out}, headers={"Cache-Control": "no-store"})


async def _mine(redis: Client, slug: str, item_id: str, owner: str
                ) -> tuple[Item, str, dict[str, str] | None]:
    found = await posts_with_states(redis, slug, [item_id]) if owner else []
    if not found or found[0][0].author_key != owner or found[0][0].source != "web":
        raise NotFound("unknown_post", "no such post of this device")
    return found[0]


async def withdraw(request: Request) -> Response:
    """Take back one's own post: out of the queue, or off the wall."""
    event = await known_event(request)
    redis, item_id, owner = app_state(request).redis, request.path_params["item_id"], \
        _owner(request)
    if not _ID.fullmatch(item_id):
        raise NotFound("unknown_post", "no such post of this device")
    for _ in range(3):  # a moderator may decide between the read and the withdrawal
        _, state, decision = await _mine(redis, event.slug, item_id, owner)
        if outcome(state, decision).status == WITHDRAWN:
            break
        if state not in ("pending", "approved"):
            raise ApiError(409, "not_shown", "this post is already not shown")
        action = "reject" if state == "pending" else "retract"
        done = await decide(redis, event.slug, item_id, action, by=AUTHOR, expected=state,
                            rule=WITHDRAWN)
        if done.status == "ok":
            break
    else:
        raise ApiError(409, "conflict", "the post changed meanwhile; try again")
    return JSONResponse({"id": item_id, "status": WITHDRAWN})


routes = [
    Route("/api/events/{slug}/my-posts", my_posts, methods=["GET"]),
    Route("/api/events/{slug}/my-posts/{item_id}", withdraw, methods=["DELETE"]),
]
