"""What several route modules share: event lookups that raise, reaction counts, names.

Route modules import this module, never each other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from typing import Any, TypeVar

from starlette.requests import HTTPConnection

from wall.appstate import AppState, app_state
from wall.http import ApiError, Invalid, NotFound, TooMany
from wall.i18n import LANGUAGES, from_accept_language
from wall.identity import client_ip
from wall.models import Event
from wall.moderation.gate import REFUSALS, Refused, refuse_status
from wall.net import is_loopback, room_address
from wall.store.events import get_event
from wall.store.status import current_status
from wall.store.tokens import TokenInfo

MAX_REACTION_BATCH = 200
# Seconds a vote waits for its batch to be stored before the phone is told to retry (503).
VOTE_WAIT = 5.0
T = TypeVar("T")


async def known_event(conn: HTTPConnection) -> Event:
    """The event named by the path's `slug`, as stored now; 404 when there is none."""
    event = await get_event(app_state(conn).redis, conn.path_params["slug"])
    if event is None:
        raise NotFound("unknown_event", "no such event")
    return event


async def audience_event(conn: HTTPConnection) -> Event:
    """The event for a post or taps: settings at most a second old, shared by the process
    (wall/eventcache.py); 404 when there is none. Its status is `live_status`'s."""
    return await cached_event(app_state(conn), conn.path_params["slug"])


async def cached_event(state: AppState, slug: str) -> Event:
    """`audience_event` from the app's state and the slug themselves."""
    event = await state.events.get(slug)
    if event is None:
        raise NotFound("unknown_event", "no such event")
    return event


async def live_status(conn: HTTPConnection, event: Event) -> str:
    """The event's status now: the hub's when this process follows the event (it reads the
    feed's status entries), else read from the store; "" when the event is gone."""
    state = app_state(conn)
    return state.hub.status(event.slug) or await current_status(state.redis, event.slug)


async def refuse_unless_open(conn: HTTPConnection, event: Event) -> None:
    """Raise Refused (rendered by the app, or answered as a frame on a socket) unless the
    event is open now: the hub's or the stored status, else the cached one."""
    refuse_status(await live_status(conn, event) or event.status)


def with_status(event: Event, status: str) -> Event:
    """`event` with its live `status` (none known: as cached)."""
    if status and status != event.status:
        return dataclasses.replace(event, status=status)
    return event


def reaction_counts(event: Event, data: dict[str, Any]) -> dict[str, int]:
    """`{"kind", "count"?}` or `{"counts": {kind: n}}` as validated counts (422 otherwise)."""
    if "counts" in data:
        counts = data["counts"]
        if not isinstance(counts, dict):
            raise Invalid("counts", "counts must be an object {kind: number}")
    else:
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise Invalid("kind", f"kind must be one of {', '.join(event.reactions)}")
        counts = {kind: data.get("count", 1)}
    out: dict[str, int] = {}
    for kind, n in counts.items():
        if kind not in event.reactions:
            raise Invalid("kind", f"kind must be one of {', '.join(event.reactions)}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REACTION_BATCH:
            raise Invalid("count", f"count must be an integer from 1 to {MAX_REACTION_BATCH}")
        out[kind] = n
    return out


def page_language(conn: HTTPConnection) -> str:
    """`?lang=`, else the language cookie, else the browser's Accept-Language."""
    chosen = conn.query_params.get("lang") or conn.cookies.get("clameur_lang", "")
    if chosen in LANGUAGES:
        return chosen
    return caller_language(conn)


def caller_language(conn: HTTPConnection) -> str:
    """The caller's Accept-Language among ours: what an API refusal is worded in."""
    return from_accept_language(conn.headers.get("accept-language", ""))


def moderator_name(token: TokenInfo) -> str:
    """How a moderator is named in decisions and the desk: the token's label, else its id."""
    return token.label or f"moderator-{token.id}"


def refusal_error(refused: Refused) -> ApiError:
    """The HTTP answer of a gate refusal: 403 for the event's status, 429 for a limit."""
    if refused.reason == "rate_limited":
        return TooMany(refused.retry_after)
    status, code, message = REFUSALS[refused.reason]
    return ApiError(status, code, message)


async def within_vote_limits(conn: HTTPConnection, slug: str, device: str) -> None:
    """A poll ballot or an upvote over HTTP, counted against the device's and the address's
    vote limits (wall/ratelimit.py); 429 past one, nothing stored."""
    limited = await app_state(conn).limiter.hit(
        slug, [("vote_device", device), ("vote_ip", client_ip(conn))])
    if limited is not None:
        raise TooMany(limited.retry_after)


async def stored(waiter: asyncio.Future[T], wait: float = VOTE_WAIT) -> T:
    """The result of a vote once its batch is stored (wall/live/votes.py); 503 when the
    store does not answer in time (the vote is written when it does)."""
    try:
        return await asyncio.wait_for(asyncio.shield(waiter), wait)
    except TimeoutError as exc:
        raise ApiError(503, "unavailable", "the store is unreachable; try again shortly",
                       headers={"Retry-After": "2"}) from exc


def audience_url(request: HTTPConnection, slug: str) -> str:
    """The audience page's absolute URL: CLAMEUR_PUBLIC_URL when set, else the address this
    connection reached (the room address when that is loopback) — never the `Host`
    header, which whoever sends the request chooses."""
    base = app_state(request).settings.public_url or _own_base(request)
    return f"{base.rstrip('/')}/e/{slug}"


def _own_base(request: HTTPConnection) -> str:
    server = request.scope.get("server") or ("127.0.0.1", 80)
    host, port = str(server[0]), server[1]
    if is_loopback(host):
        host = _room_address() or host
    host = f"[{host}]" if ":" in host else host
    return f"{request.url.scheme}://{host}" + (f":{port}" if port not in (80, 443, None) else "")


@functools.cache
def _room_address() -> str | None:
    return room_address()
