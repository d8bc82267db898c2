"""An aiohttp server on 127.0.0.1 that records requests and can be told to misbehave."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.timing import timeout

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    """One request the fake answered."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    at: float
    peer: tuple[str, int] | None = None  # the client's address: one per TCP connection


@dataclass
class Scripted:
    """An answer to give instead of the normal one (429, 5xx, garbage)."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class FakeService:
    """Subclasses add routes in `routes()`; tests queue failures with `fail_next`."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.script: list[Scripted] = []
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def fail_next(self, status: int, body: str = "", headers: dict[str, str] | None = None,
                  content_type: str = "application/json", times: int = 1) -> None:
        self.script.extend(Scripted(status, body, headers or {}, content_type)
                           for _ in range(times))

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.script and request.path != "/healthz":
            s = self.script.pop(0)
            response: web.StreamResponse = web.Response(status=s.status, text=s.body,
                                                        headers=s.headers,
                                                        content_type=s.content_type)
        else:
            response = await handler(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(Seen(request.path, dict(request.query), dict(request.headers),
                                  response.status, asyncio.get_running_loop().time(),
                                  tuple(peer[:2]) if peer else None))
        async with self._arrived:
            self._arrived.notify_all()
        return response

    async def wait_requests(self, count: int, limit: float | None = None) -> list[Seen]:
        """Wait until at least `count` requests were answered."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.requests) >= count),
                                   limit or timeout(10))
        return self.requests

    async def start(self) -> FakeService:
        app = web.Application(middlewares=[self._record])
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Any:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
