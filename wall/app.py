"""The Starlette application: lifespan-owned Redis, hub and reaction counter; routes."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from wall.config import Settings
from wall.eventcache import EventCache
from wall.http import error
from wall.live.hub import Hub
from wall.live.reactions import ReactionCounter
from wall.metrics import Metrics
from wall.metrics import routes as metrics_routes
from wall.ratelimit import RateLimiter
from wall.redis_client import connect
from wall.routes import api, hooks, moderation, pages, reports, sockets
from wall.security import SecurityMiddleware

SECRET_KEY = "clameur:secret"


async def shared_secret(redis: Redis, configured: str) -> str:
    """CLAMEUR_SECRET, else one generated once and shared by every process through Redis."""
    if configured:
        return configured
    await redis.set(SECRET_KEY, secrets.token_hex(32), nx=True)
    return str(await redis.get(SECRET_KEY))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
             429: "rate_limited"}
    response = error(exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _redis_down(request: Request, exc: Exception) -> Response:
    return error(503, "unavailable", "the store is unreachable; try again shortly",
                 headers={"Retry-After": "2"})


def create_app(settings: Settings | None = None, redis_url: str | None = None) -> Starlette:
    settings = settings or Settings.load()
    url = redis_url or settings.redis_url

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redis = connect(url, cluster=settings.redis_cluster == "1")
        app.state.settings = settings
        app.state.redis = redis
        app.state.secret = await shared_secret(redis, settings.secret)
        app.state.hub = Hub(redis, queue_bound=int(settings.ws_queue))
        app.state.events = EventCache(redis)
        app.state.limiter = RateLimiter(redis, settings.rate_limits)
        app.state.metrics = Metrics(app.state.hub)
        app.state.reactions = ReactionCounter(redis)
        app.state.templates = pages.make_environment()
        app.state.reactions.start()
        try:
            yield
        finally:
            await app.state.reactions.stop()
            await app.state.hub.close()
            await redis.aclose()

    return Starlette(
        routes=[*api.routes, *metrics_routes, *moderation.routes, *sockets.routes,
                *reports.routes, *hooks.routes, *pages.routes],
        lifespan=lifespan,
        middleware=[Middleware(SecurityMiddleware, frame_ancestors=settings.frame_ancestors,
                               allowed_origins=settings.allowed_origins)],
        exception_handlers={HTTPException: _http_error, RedisError: _redis_down,
                            ConnectionError: _redis_down},
    )
