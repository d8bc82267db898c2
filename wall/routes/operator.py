"""What operators and load balancers ask: `/healthz` and `/metrics` (Prometheus)."""

from __future__ import annotations

from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.metrics import exposition
from wall.store.figures import event_figures
from wall.store.health import answers


async def healthz(request: Request) -> Response:
    """200 with the open sockets of this process when Redis answers, else 503."""
    state = app_state(request)
    if not await answers(state.redis):
        return JSONResponse({"status": "unavailable", "redis": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "redis": "up", "connections": state.hub.connections()})


async def metrics(request: Request) -> Response:
    state = app_state(request)
    body = exposition(state.metrics, await event_figures(state.redis))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [Route("/healthz", healthz, methods=["GET"]),
          Route("/metrics", metrics, methods=["GET"])]
