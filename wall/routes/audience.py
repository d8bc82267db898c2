"""What phones send over HTTP: posts and reaction taps.

| route | answers |
| --- | --- |
| `POST /api/events/{slug}/posts` | `202 {"id", "status"}`; 403 closed/not open, 422, 429 |
| `POST /api/events/{slug}/reactions` | `202 {"accepted": n}` once stored (past a limit: 0) |
"""

from __future__ import annotations

import re
import secrets
from json.encoder import encode_basestring as quote
from typing import Any

from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from wall.appstate import AppState, app_state
from wall.http import (
    AsgiEndpoint,
    Invalid,
    first_headers,
    read_json_object,
    receive_json_object,
)
from wall.identity import (
    DEVICE_COOKIE,
    client_ip,
    device_cookie,
    device_from_cookie,
    device_id,
    keyed,
    scope_address,
    set_device_cookie,
)
from wall.models import MAX_AUTHOR, Item, new_item_id, utc_now_iso
from wall.moderation.gate import Gate, Refused
from wall.moderation.intake import InvalidItem, accept
from wall.routes._shared import (
    audience_event,
    cached_event,
    live_status,
    reaction_counts,
    refusal_error,
    with_status,
)
from wall.store.reactions import add_checked


def _post_kind(data: dict[str, Any]) -> str:
    """`"kind": "question"` asks the room a question (upvoted once approved)."""
    kind = data.get("kind") or "message"
    if kind not in ("message", "question"):
        raise Invalid("kind", "kind must be question or message")
    return str(kind)


def _post_fields(data: dict[str, Any]) -> tuple[str, str, str]:
    text, author, source_id = data.get("text"), data.get("author", ""), data.get("source_id")
    if not isinstance(text, str):
        raise Invalid("text", "text is required and must be a string")
    if author is None:
        author = ""
    if not isinstance(author, str) or len(author) > MAX_AUTHOR:
        raise Invalid("author", f"author must be a string of at most {MAX_AUTHOR} characters")
    if source_id is None:
        source_id = secrets.token_hex(8)
    if not isinstance(source_id, str) or not 1 <= len(source_id) <= 64:
        raise Invalid("source_id", "source_id must be a string of 1 to 64 characters")
    return text, author, source_id


async def create_post(scope: Scope, receive: Receive, send: Send) -> None:
    """A post from a phone, in at best one Redis round trip: the gate (event status, then
    rate limits) is applied by `accept` inside the insert script, unless this process
    already knows the status from the hub.

    Written against ASGI itself, the one route that is: it is the hottest of the server
    (a room posting at once), and Starlette's request and response objects, built and
    rendered per post, were about a tenth of its cost (docs/performance.md). Refusals are raised
    as everywhere else and rendered by the app's handlers."""
    state: AppState = scope["app"].appstate
    event = await cached_event(state, scope["path_params"]["slug"])
    live = state.hub.status(event.slug)
    event = with_status(event, live)
    head = first_headers(scope, _POST_HEADERS)
    data = await receive_json_object(scope, receive, head.get(b"content-type", ""),
                                     head.get(b"content-length"))
    text, author, source_id = _post_fields(data)
    kind = _post_kind(data)
    device, new_device = device_from_cookie(state.secret, _device_cookie(head))
    gate = Gate(status=live, limits=state.limiter.plan(
        event.slug, [("post_device", device), ("post_ip", scope_address(scope))]))
    # The phone's post id alone: walls see `source_id`, never the device id (the store
    # de-duplicates it per author key, a keyed hash of the device: Item.dedupe_key).
    item = Item(id=new_item_id(), event=event.slug, source="web",
                source_id=source_id, author=author, text=text,
                received_at=utc_now_iso(), author_key=keyed(state.secret, "web", device),
                kind=kind)
    try:
        accepted = await accept(state.redis, event, item, gate)
    except Refused as exc:
        if exc.reason == "rate_limited":
            state.metrics.count_limited("post")
        raise refusal_error(exc) from exc
    except InvalidItem as exc:
        state.metrics.count_item("web", "invalid")
        raise Invalid(exc.field, exc.message) from exc
    state.metrics.count_item("web", "duplicate" if accepted.duplicate else "accepted")
    body = accepted_body(accepted.id, accepted.status)
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if new_device:
        headers.append(device_cookie(state.secret, device, scope.get("scheme") == "https"))
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_POST_HEADERS = frozenset((b"content-type", b"content-length", b"cookie"))


def _device_cookie(head: dict[bytes, str]) -> str:
    cookies = head.get(b"cookie", "")
    return cookie_parser(cookies).get(DEVICE_COOKIE, "") if DEVICE_COOKIE in cookies else ""


def accepted_body(item_id: str, status: str) -> bytes:
    """`{"id", "status"}` as Starlette's JSONResponse renders it (ensure_ascii=False, no
    spaces), without the encoder it builds per answer: each string escaped by the C
    function json.dumps itself uses."""
    return f'{{"id":{quote(item_id)},"status":{quote(status)}}}'.encode()


_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _batch_id(data: dict[str, Any]) -> str:
    """The client's optional id of a batch of taps, so that sending it again (the answer
    was lost) counts it once."""
    batch = data.get("batch", "")
    if batch is None or batch == "":
        return ""
    if not isinstance(batch, str) or not _BATCH_ID.fullmatch(batch):
        raise Invalid("batch", "batch must be 1 to 64 letters, digits, '-' or '_'")
    return batch


async def create_reactions(request: Request) -> Response:
    state = app_state(request)
    event = await audience_event(request)
    event = with_status(event, await live_status(request, event))
    data = await read_json_object(request)
    counts, batch = reaction_counts(event, data), _batch_id(data)
    Gate(status=event.status).check()
    taps = sum(counts.values())
    device, new_device = device_id(request)
    # Written before the answer: `accepted` taps are in Redis. Past a limit they are dropped
    # silently (a reaction is never worth an error); a batch id sent again counts once.
    accepted = await add_checked(state.redis, event.slug, counts, state.limiter.plan(
        event.slug, [("reaction_device", device), ("reaction_ip", client_ip(request))], taps),
        batch=batch, scope=device)
    if accepted:
        state.metrics.taps.inc(accepted)
    else:
        state.metrics.count_limited("reaction")
    response = JSONResponse({"accepted": accepted}, status_code=202)
    if new_device:
        set_device_cookie(request, response, device)
    return response


routes = [
    Route("/api/events/{slug}/posts", AsgiEndpoint(create_post), methods=["POST"]),
    Route("/api/events/{slug}/reactions", create_reactions, methods=["POST"]),
]
