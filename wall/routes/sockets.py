"""WebSockets: walls and audiences receive the feed; moderators the queue and decisions."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from wall import protocol
from wall.appstate import AppState, app_state
from wall.auth import authorise, bearer
from wall.identity import client_ip, device_id, signed_device
from wall.live.ballots import initial_frames, socket_vote
from wall.live.hub import Subscription
from wall.live.votes import VoteBatcher
from wall.models import Event
from wall.moderation.gate import Refused, refusal_frame, refuse_status
from wall.routes._shared import live_status, moderator_name, reaction_counts, refuse_unless_open
from wall.store.captions import latest as latest_captions
from wall.store.client import StoreError
from wall.store.feed import (
    feed_message,
    needs_snapshot,
    parse_id,
    read_after,
    snapshot,
    valid_position,
)
from wall.store.inbox import pending_items
from wall.store.tokens import verify_token

MAX_FRAME = 4096
CLOSE_UNAUTHORISED, CLOSE_FORBIDDEN, CLOSE_UNKNOWN, CLOSE_TOO_SLOW = 4401, 4403, 4404, 4408
CLOSE_UNAVAILABLE = 1013
CLOSE_RATE_LIMITED = 4429
YIELD_EVERY = 32  # messages an audience socket handles before letting other tasks run


async def _event(ws: WebSocket) -> Event | None:
    # Shared by the process's sockets (wall/eventcache.py): not one copy per socket.
    event = await app_state(ws).events.get(ws.path_params["slug"])
    if event is None:
        await _refuse(ws, CLOSE_UNKNOWN)
    return event


async def _refuse(ws: WebSocket, code: int) -> None:
    """Accept then close at once: browsers see the code (a 403 handshake hides it)."""
    await ws.accept()
    await ws.close(code)


async def _catch_up(ws: WebSocket, sub: Subscription, slug: str) -> None:
    """Send a snapshot, or exactly the entries after `?after=`, then mark the position."""
    redis = app_state(ws).redis
    after = ws.query_params.get("after", "")
    if after and valid_position(after) and not await needs_snapshot(redis, slug, after):
        entries = await read_after(redis, slug, after)
        for position, fields in entries:
            await ws.send_text(protocol.dumps(feed_message(position, fields)))
        sub.last_position = parse_id(entries[-1][0]) if entries else parse_id(after)
        return
    snap = await snapshot(redis, slug)
    await ws.send_text(protocol.dumps(snap))
    sub.last_position = parse_id(snap["position"])


async def _send_loop(ws: WebSocket, sub: Subscription) -> None:
    while (text := await sub.next_frame()) is not None:
        await ws.send_text(text)


async def _serve(ws: WebSocket, sub: Subscription, receive: Any) -> None:
    """Run sending and receiving until the client leaves or falls too far behind.

    Receiving runs in the socket's own task, sending in one more (a task costs memory that
    10,000 idle sockets feel). An overflow ends the sender (or cancels it, if it is stuck
    in a send); the sender ending interrupts the receiving; the socket closes with 4408.
    """
    me = asyncio.current_task()
    assert me is not None
    sender = asyncio.create_task(_send_loop(ws, sub))
    sub.on_overflow = sender.cancel
    receiving = True

    def interrupt(_: asyncio.Task[None]) -> None:
        if receiving:
            me.cancel()

    sender.add_done_callback(interrupt)
    error: BaseException | None = None
    try:
        await receive()
    except asyncio.CancelledError:
        if not sender.done():
            raise  # cancelled from outside (shutdown): not ours to swallow
        me.uncancel()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        receiving = False
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
    if sub.overflowed:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(CLOSE_TOO_SLOW), timeout=1)
    if not sender.cancelled():
        error = sender.exception()
    if error and not isinstance(error, WebSocketDisconnect | RuntimeError):
        raise error


async def _drain(ws: WebSocket) -> None:
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return


def _connect_checks(ws: WebSocket) -> list[tuple[str, str]]:
    """The limits a new feed socket counts against: its signed device first (a phone's
    page sets the cookie before it opens the socket), then its address, sized for a full
    room behind one NAT (wall/ratelimit.py). A wall, or a client without a valid device
    cookie, counts against its address only."""
    ip = ws.client.host if ws.client else "unknown"
    device, new = device_id(ws)
    if new:
        return [("ws_connect_ip", ip)]
    return [("ws_connect_device", device), ("ws_connect_ip", ip)]


async def _feed_socket(ws: WebSocket, receive: Any) -> None:
    event = await _event(ws)
    if event is None:
        return
    if event.status == "draft":
        # A draft is not public: its feed sockets are refused like an unknown event's.
        await _refuse(ws, CLOSE_UNKNOWN)
        return
    if await app_state(ws).limiter.hit(event.slug, _connect_checks(ws)):
        await _refuse(ws, CLOSE_RATE_LIMITED)
        return
    await ws.accept()
    try:
        async with app_state(ws).hub.subscribe(event.slug, "wall") as sub:
            # Read before the catch-up is sent: once a client has its snapshot, this
            # connection needs the store no more (a store outage then never closes it).
            # The wall's mode and the current poll (questions and polls), and the caption
            # band's last two lines, on every connection (a reconnecting wall too: `after=`
            # replays the feed, not captions); pages skip ids they have.
            extras = [*await initial_frames(app_state(ws).redis, event.slug),
                      *[protocol.caption(line.text, line.id) for line in
                        await latest_captions(app_state(ws).redis, event.slug)]]
            await _catch_up(ws, sub, event.slug)
            for frame in extras:
                await ws.send_text(protocol.dumps(frame))
            ws.state.subscription = sub  # votes are answered through the queue
            await _serve(ws, sub, receive)
    except (*StoreError, TimeoutError):
        with contextlib.suppress(Exception):
            await ws.close(CLOSE_UNAVAILABLE)
    except WebSocketDisconnect:
        pass


async def wall_socket(ws: WebSocket) -> None:
    await _feed_socket(ws, lambda: _drain(ws))


async def audience_socket(ws: WebSocket) -> None:
    """The feed, plus reactions sent by the page: `{"type": "reactions", "counts": {...}}`."""

    async def receive() -> None:
        state = app_state(ws)
        event = await state.events.get(ws.path_params["slug"])
        # Taps count against the device's and the address's budgets, shared by every
        # socket and process (wall/live/reactions.py): the device is the signed cookie
        # the upgrade request carried.
        tapper = (signed_device(ws), client_ip(ws))
        handled = 0
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            handled += 1
            if handled % YIELD_EVERY == 0:
                # uvicorn queues every frame of a read at once, and receive() then returns
                # without suspending: let the flush and the fan-out run between batches.
                await asyncio.sleep(0)
            text = message.get("text") or ""
            if event is None or len(text) > MAX_FRAME:
                continue
            with contextlib.suppress(ValueError):
                data = json.loads(text)
                if isinstance(data, dict) and data.get("type") == protocol.REACTIONS:
                    await _taps(ws, state, event, data, tapper)
                elif isinstance(data, dict) and data.get("type") == protocol.VOTE:
                    await _vote(ws, state.votes, event, tapper[0], data)

    await _feed_socket(ws, receive)


async def _taps(ws: WebSocket, state: AppState, event: Event, data: dict[str, Any],
                tapper: tuple[str, str]) -> None:
    """Count a frame of taps, unless the event refuses them (then say so); past the
    device's or the address's budget they are dropped silently (a tap is never worth an
    error) when the batch is written. The hot path of a room tapping: `state` is looked
    up once per socket, and the status comes from the hub without a coroutine when this
    process follows the event."""
    # Checked per frame: an event closed a second ago takes no more taps. The hub tracks
    # the status from the feed (no Redis round trip).
    status = state.hub.status(event.slug) or await live_status(ws, event)
    try:
        refuse_status(status or event.status)
    except Refused as refused:
        await ws.send_text(protocol.dumps(refusal_frame(refused)))
        return
    try:
        counts = reaction_counts(event, data)
    except HTTPException:
        return
    state.reactions.offer(event.slug, counts, *tapper)


async def _vote(ws: WebSocket, votes: VoteBatcher, event: Event, device: str,
                data: dict[str, Any]) -> None:
    """A poll vote (wall/live/ballots.py), answered on this socket once stored; `device`:
    the signed cookie's ("" without one: no vote)."""
    sub: Subscription = ws.state.subscription

    def offer(text: str) -> None:
        sub.offer((None, text))

    try:
        await refuse_unless_open(ws, event)
    except Refused as refused:
        offer(protocol.dumps(refusal_frame(refused)))
        return
    await socket_vote(votes, event, device or None, data, offer)
    # One vote per turn of the loop: a thousand phones' queued frames must not hold back
    # the flush that stores (and answers) them for a whole round of 32 frames each.
    await asyncio.sleep(0)


async def moderate_socket(ws: WebSocket) -> None:
    slug = ws.path_params["slug"]
    try:
        token = await authorise(ws, slug)
    except HTTPException as exc:
        await _refuse(ws, CLOSE_UNAUTHORISED if exc.status_code == 401 else CLOSE_FORBIDDEN)
        return
    event = await _event(ws)
    if event is None:
        return
    await ws.accept()
    state = app_state(ws)
    try:
        # A moderator subscription counts its socket online (wall/live/presence.py).
        async with state.hub.subscribe(slug, "moderator") as sub:
            items = await pending_items(state.redis, slug)
            await ws.send_text(protocol.dumps(protocol.queue([i.__dict__ for i in items],
                                                             moderator_name(token))))
            await _serve(ws, sub, lambda: _drain_while_authorised(ws, bearer(ws)))
    except (*StoreError, TimeoutError):
        with contextlib.suppress(Exception):
            await ws.close(CLOSE_UNAVAILABLE)
    except WebSocketDisconnect:
        pass


async def _drain_while_authorised(ws: WebSocket, token: str) -> None:
    """Read until the client leaves; close with 4401 once its token is revoked."""
    drain = asyncio.create_task(_drain(ws))
    try:
        while not drain.done():
            recheck = float(app_state(ws).settings.token_recheck_seconds)
            await asyncio.wait({drain}, timeout=recheck)
            if not drain.done() and await verify_token(app_state(ws).redis, token) is None:
                await ws.close(CLOSE_UNAUTHORISED)
                return
    finally:
        drain.cancel()


routes = [
    WebSocketRoute("/ws/wall/{slug}", wall_socket),
    WebSocketRoute("/ws/audience/{slug}", audience_socket),
    WebSocketRoute("/ws/moderate/{slug}", moderate_socket),
]
