"""Browser-facing protections as ASGI middleware: CSP and friends on every response (our
refusals and 500s included), Origin checks on WebSockets, cross-site posts refused, and a
cap on what one address holds open at once."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wall.http import first_headers

# Source images are fetched by the server and served from /media (wall/routes/media.py):
# no page loads an image from another site.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors {frame_ancestors}")
CSP_HEADER = b"content-security-policy"
AUDIENCE_POSTS = ("/posts", "/reactions")
CLOSE_FOREIGN_ORIGIN = 4403


_ORIGIN_HEADERS = frozenset((b"sec-fetch-site", b"origin", b"x-forwarded-host", b"host"))


def _same_origin(origin: str, headers: dict[bytes, str], allowed: set[str]) -> bool:
    if origin in allowed:
        return True
    host = headers.get(b"x-forwarded-host") or headers.get(b"host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


def _is_audience_write(scope: Scope) -> bool:
    path: str = scope["path"]
    if scope["method"] == "DELETE":  # an author withdrawing a post (wall/routes/authors.py)
        return path.startswith("/api/events/") and "/my-posts/" in path
    return (scope["method"] == "POST" and path.startswith("/api/events/")
            and path.endswith(AUDIENCE_POSTS))


def security_headers(frame_ancestors: str = "'self'") -> list[tuple[bytes, bytes]]:
    """The headers every answer carries, whoever writes it (the app's 500 handler too:
    Starlette renders 500s outside the user middleware)."""
    return [(b"content-security-policy",
             CSP.format(frame_ancestors=frame_ancestors or "'self'").encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'",
                 allowed_origins: str = "") -> None:
        self.app = app
        self.headers = security_headers(frame_ancestors)
        self.headers_but_csp = [h for h in self.headers if h[0] != CSP_HEADER]
        self.allowed = {o.strip().rstrip("/") for o in allowed_origins.split(",") if o.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = first_headers(scope, _ORIGIN_HEADERS)
        origin = headers.get(b"origin")
        if origin and not _same_origin(origin, headers, self.allowed):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_FOREIGN_ORIGIN})
            return
        await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_audience_write(scope) and self._foreign(first_headers(scope, _ORIGIN_HEADERS)):
            await self._refuse(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                # A page with its own CSP (an event's wall that may be framed by the sites
                # its organiser named: wall/routes/pages.py) keeps it; the others get ours.
                for name, _ in headers:
                    if name.lower() == CSP_HEADER:
                        headers += self.headers_but_csp
                        break
                else:
                    headers += self.headers
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _foreign(self, headers: dict[bytes, str]) -> bool:
        if headers.get(b"sec-fetch-site", "") == "cross-site":
            return True
        origin = headers.get(b"origin")
        if not origin:
            return False
        return not _same_origin(origin, headers, self.allowed)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": "foreign_origin",
                           "message": "posts are accepted from this site's pages only"}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                *self.headers]})
        await send({"type": "http.response.body", "body": body})


CLOSE_TOO_MANY = 4429


class AddressCap:
    """At most `limit` requests in progress plus open WebSockets per client address, in this
    process. The address is uvicorn's: X-Forwarded-For resolved for trusted proxies, so a
    proxy in front is not one address. A room behind one NAT is: size `limit` for it.

    Stalled requests that never finish their headers never reach the app; the server's
    read timeout (wall/httpguard.py) closes those.
    """

    def __init__(self, app: ASGIApp, limit: int, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.limit = limit
        self.open: Counter[str] = Counter()
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else ""
        if self.open[address] >= self.limit:
            await self._refuse(scope, receive, send)
            return
        self.open[address] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
            return
        body = json.dumps({"error": "too_many_connections",
                           "message": "too many open connections from this address"}).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"retry-after", b"5"), (b"connection", b"close"),
                                *self.headers]})
        await send({"type": "http.response.body", "body": body})
