"""What operators and load balancers ask: `/healthz` and `/metrics` (Prometheus).

`/metrics` answers only with `Authorization: Bearer <CLAMEUR_METRICS_TOKEN>` (404 when no
token is set): it is the only operator surface on the public port, and it names events.
"""

from __future__ import annotations

import hmac

from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import bearer
from wall.http import ApiError, NotFound
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
    """Prometheus text: this process's counters and every open or closed event's figures."""
    state = app_state(request)
    expected = state.settings.metrics_token
    if not expected:
        raise NotFound("metrics_off", "metrics are off: set CLAMEUR_METRICS_TOKEN")
    given = bearer(request)
    if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass")):
        raise ApiError(401, "unauthorised", "the metrics token is required",
                       headers={"WWW-Authenticate": "Bearer"})
    body = exposition(state.metrics, await event_figures(state.redis))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [Route("/healthz", healthz, methods=["GET"]),
          Route("/metrics", metrics, methods=["GET"])]
