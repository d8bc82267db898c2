"""The Starlette application: what the lifespan owns (one typed `AppState`) and the routes.

Routes are grouped by who calls them (audience, moderation, admin, reports, pages, sockets,
hooks, operator); errors raised anywhere are rendered here, the same way for every route.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp

from wall.appstate import AppState
from wall.config import Settings
from wall.door import Door
from wall.eventcache import EventCache
from wall.http import error, render
from wall.keyfile import process_secret
from wall.live.hub import Hub
from wall.live.reactions import ReactionCounter
from wall.live.votes import VoteBatcher
from wall.logs import install_redaction
from wall.media import MediaProxy
from wall.metrics import Metrics
from wall.moderation.gate import Refused
from wall.ratelimit import RateLimiter
from wall.redis_client import connect
from wall.routes import (
    admin,
    audience,
    authors,
    captions,
    charter,
    hooks,
    info,
    logo,
    media,
    moderation,
    operator,
    pages,
    polls,
    poster,
    questions,
    reports,
    sockets,
)
from wall.routes._shared import refusal_error
from wall.store.client import StoreError
from wall.store.listen import FeedBackend

log = logging.getLogger("clameur.app")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(exc)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return render(refusal_error(exc))


async def _client_left(request: Request, exc: Exception) -> Response:
    """A phone that left while its body was on the way (out of Wi-Fi range): nobody to answer,
    nothing stored, and not a server error."""
    log.info("%s %s: the client left before its body arrived", request.method, request.url.path)
    return Response(status_code=400)


async def _crashed(request: Request, exc: Exception) -> Response:
    return error(500, "internal", "the server failed to answer; try again")


async def _store_down(request: Request, exc: Exception) -> Response:
    return error(503, "unavailable", "the store is unreachable; try again shortly",
                 headers={"Retry-After": "2"})


HANDLERS = {HTTPException: _http_error, Refused: _refused, ClientDisconnect: _client_left,
            **dict.fromkeys(StoreError, _store_down)}


class Clameur(Starlette):
    """Starlette with the door (wall/door.py) as its one middleware around the router,
    in place of Starlette's own exception middlewares."""

    appstate: AppState  # set by the lifespan

    def __init__(self, door: Callable[[ASGIApp], ASGIApp], **options: Any) -> None:
        super().__init__(**options)
        self.door = door

    def build_middleware_stack(self) -> ASGIApp:
        return self.door(self.router)


def create_app(settings: Settings | None = None, redis_url: str | None = None) -> Starlette:
    settings = settings or Settings.load()
    url = redis_url or settings.redis_url
    install_redaction()

    @contextlib.asynccontextmanager
    async def lifespan(app: Clameur) -> AsyncIterator[None]:
        redis = connect(url, cluster=settings.redis_cluster == "1")
        hub = Hub(FeedBackend(redis), queue_bound=int(settings.ws_queue))
        limiter, metrics = RateLimiter(redis, settings.rate_limits), Metrics(hub)
        state = AppState(
            settings=settings, redis=redis, secret=await process_secret(redis, settings),
            hub=hub, events=EventCache(redis),
            media=MediaProxy(redis, settings.media_private_hosts), limiter=limiter, metrics=metrics,
            reactions=ReactionCounter(redis, limiter, metrics),
            templates=pages.make_environment(), votes=VoteBatcher(redis))
        app.appstate = state
        state.reactions.start()
        state.votes.start()
        try:
            yield
        finally:
            await state.votes.stop()
            await state.reactions.stop()
            await hub.close()
            await redis.aclose()

    return Clameur(
        routes=[*audience.routes, *authors.routes, *captions.routes, *charter.routes,
                *questions.routes, *polls.routes, *moderation.routes, *admin.routes,
                *reports.routes, *poster.routes, *logo.routes,
                *sockets.routes, *hooks.routes, *operator.routes, *media.routes,
                *info.routes, *pages.routes],
        lifespan=lifespan,
        door=functools.partial(
            Door, handlers=HANDLERS, crash=_crashed,
            limit=int(settings.max_connections_per_address),
            frame_ancestors=settings.frame_ancestors, allowed=settings.allowed_origins),
    )
