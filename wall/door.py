"""The app's one middleware, around the router: what every request and WebSocket passes on
its way in, and every answer on its way out.

- At most `limit` requests in progress plus open WebSockets per client address, in this
  process (503, or a WebSocket closed with 4429). The address is uvicorn's: X-Forwarded-For
  resolved for trusted proxies, so a proxy in front is not one address. A room behind one
  NAT is: size the limit for it. Requests that never finish their headers never reach the
  app; the server's read timeout (wall/httpguard.py) closes those.
- Audience writes sent by another site are refused (403); WebSockets opened by a page of
  another origin are closed (4403) (wall/security.py).
- CSP and friends are added to every answer: the routes', the refusals' and the 500s'.
- What a route raises is rendered by the app's handler for its class (the first of its
  MRO, as Starlette's ExceptionMiddleware looks it up); anything else is answered by the
  crash handler (a JSON 500) and raised on, for the log. Endpoints that are functions
  render their errors themselves with the same handlers (Starlette's `request_response`
  reads them from the scope). A WebSocket's errors go through Starlette's own
  ExceptionMiddleware, which closes it as Starlette does.

It stands in for Starlette's ServerErrorMiddleware and ExceptionMiddleware and for the two
middlewares of ours that sat between them: one layer and one `send` wrapper per request
instead of four and three, and no Request built unless something is raised (~6 % of a
post's instructions: docs/performance.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wall.http import error, first_headers
from wall.security import (
    CLOSE_FOREIGN_ORIGIN,
    CSP_HEADER,
    ORIGIN_HEADERS,
    allowed_origins,
    foreign_write,
    is_audience_write,
    same_origin,
    security_headers,
)

CLOSE_TOO_MANY = 4429

# An exception handler of the app's (wall/app.py): what to answer for an exception.
Handler = Callable[[Request, Exception], Awaitable[Response]]


class Door:
    """ASGI middleware around the router (`Clameur.build_middleware_stack`): `handlers`
    render the exceptions of their class, `crash` everything else; `limit` (0: none)
    caps what one address holds open."""

    def __init__(self, app: ASGIApp, handlers: Mapping[type[Exception], Handler],
                 crash: Handler, limit: int = 0, frame_ancestors: str = "'self'",
                 allowed: str = "") -> None:
        self.app = app
        self.handlers = dict(handlers)
        # What Starlette's `request_response` reads from the scope: (by class, by status).
        self.scope_handlers: tuple[dict[Any, Handler], dict[int, Handler]] = (
            self.handlers, {})
        self.crash = crash
        self.websockets = ExceptionMiddleware(app, handlers=self.handlers)
        self.limit = limit
        self.open: Counter[str] = Counter()
        self.headers = security_headers(frame_ancestors)
        self.headers_but_csp = [h for h in self.headers if h[0] != CSP_HEADER]
        self.allowed = allowed_origins(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            enter = self._http
        elif kind == "websocket":
            enter = self._websocket
        else:  # lifespan
            await self.app(scope, receive, send)
            return
        if self.limit <= 0:
            await enter(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else ""
        if self.open[address] >= self.limit:
            await self._too_many(kind, scope, receive, send)
            return
        self.open[address] += 1
        try:
            await enter(scope, receive, send)
        finally:
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_audience_write(scope) and foreign_write(first_headers(scope, ORIGIN_HEADERS),
                                                      self.allowed):
            await self._refuse(scope, receive, send, error(
                403, "foreign_origin", "posts are accepted from this site's pages only"))
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._with_security(message.get("headers", ()))
            await send(message)

        scope["starlette.exception_handlers"] = self.scope_handlers
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:  # nothing can be answered any more: uvicorn closes the connection
                raise
            handler = self._handler(exc)
            response = await (handler or self.crash)(Request(scope, receive), exc)
            await response(scope, receive, send_with_headers)
            if handler is None:
                raise

    def _handler(self, exc: Exception) -> Handler | None:
        for cls in type(exc).__mro__:
            if cls in self.handlers:
                return self.handlers[cls]
        return None

    def _with_security(self, headers: Any) -> list[tuple[bytes, bytes]]:
        """A page with its own CSP (an event's wall that may be framed by the sites its
        organiser named: wall/routes/pages.py) keeps it; the others get ours."""
        out = list(headers)
        for name, _ in out:
            if name.lower() == CSP_HEADER:
                out += self.headers_but_csp
                return out
        out += self.headers
        return out

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = first_headers(scope, ORIGIN_HEADERS)
        origin = headers.get(b"origin")
        if origin and not same_origin(origin, headers, self.allowed):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_FOREIGN_ORIGIN})
            return
        await self.websockets(scope, receive, send)

    async def _too_many(self, kind: str, scope: Scope, receive: Receive, send: Send) -> None:
        if kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
            return
        await self._refuse(scope, receive, send, error(
            503, "too_many_connections", "too many open connections from this address",
            headers={"Retry-After": "5", "Connection": "close"}))

    async def _refuse(self, scope: Scope, receive: Receive, send: Send,
                      response: Response) -> None:
        """A refusal of the door's own, with the headers every answer carries."""
        response.raw_headers += self.headers
        await response(scope, receive, send)
