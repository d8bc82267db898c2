"""A fake Jetstream (v1 `/subscribe`, a websockets server) and a fake Bluesky AppView
(`app.bsky.actor.getProfile`), shaped like https://github.com/bluesky-social/jetstream."""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.fakes.base import FakeService


def post_event(did: str, rkey: str, text: str, time_us: int, tags: list[str] | None = None,
               facet_tags: list[str] | None = None, **record: Any) -> dict[str, Any]:
    """A Jetstream commit message creating an app.bsky.feed.post."""
    facets = []
    for tag in facet_tags or []:
        start = text.encode().find(f"#{tag}".encode())
        facets.append({"index": {"byteStart": start, "byteEnd": start + len(tag.encode()) + 1},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]})
    body: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": "2026-11-26T10:00:00Z",
                            "langs": ["fr"], "text": text, **record}
    if facets:
        body["facets"] = facets
    if tags:
        body["tags"] = tags
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3l{rkey}", "operation": "create",
                       "collection": "app.bsky.feed.post", "rkey": rkey, "record": body,
                       "cid": f"bafyrei{rkey}"}}


class FakeJetstream:
    """Keeps a log of events; replays from `cursor` on connect, then streams live."""

    def __init__(self) -> None:
        self.log: list[dict[str, Any] | str] = []
        self.connections: list[dict[str, list[str]]] = []
        self.clients: set[ServerConnection] = set()
        self.server: Server | None = None
        self.port = 0
        self._clock = int(time.time() * 1_000_000)
        self._connected = asyncio.Condition()
        self.refuse = 0  # answer the next n handshakes with 503
        self.refused = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    def next_time(self) -> int:
        self._clock += 1_000
        return self._clock

    async def start(self) -> FakeJetstream:
        self.server = await serve(self._handler, "127.0.0.1", 0,
                                  process_request=self._process_request)
        self.port = next(iter(self.server.sockets)).getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def __aenter__(self) -> FakeJetstream:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "over capacity\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        if parts.path != "/subscribe":
            await ws.close(1008, "unknown path")
            return
        query = parse_qs(parts.query)
        cursor = int(query.get("cursor", ["0"])[0])
        self.clients.add(ws)
        for message in self.log:
            if cursor and (isinstance(message, str) or message["time_us"] >= cursor):
                await ws.send(message if isinstance(message, str) else json.dumps(message))
        async with self._connected:
            self.connections.append(query)
            self._connected.notify_all()
        try:
            await ws.wait_closed()
        finally:
            self.clients.discard(ws)

    async def wait_connections(self, count: int, limit: float = 10) -> list[dict[str, list[str]]]:
        async with self._connected:
            await asyncio.wait_for(
                self._connected.wait_for(lambda: len(self.connections) >= count), limit)
        return self.connections

    async def publish(self, message: dict[str, Any] | str) -> None:
        """Append to the log and send to every connected subscriber."""
        self.log.append(message)
        raw = message if isinstance(message, str) else json.dumps(message)
        for ws in list(self.clients):
            try:
                await ws.send(raw)
            except ConnectionClosed:
                self.clients.discard(ws)  # a subscriber that died; it will resume by cursor

    async def drop_all(self) -> None:
        """Close every subscription, as a restarting Jetstream would."""
        for ws in list(self.clients):
            await ws.close(1012, "service restart")


class FakeAppView(FakeService):
    """`GET /xrpc/app.bsky.actor.getProfile?actor=did` for known DIDs, 400 otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.profiles: dict[str, dict[str, Any]] = {}

    def add(self, did: str, handle: str, name: str, description: str = "",
            self_labels: tuple[str, ...] = ()) -> None:
        """A profileViewDetailed; `self_labels` as the AppView reports them (e.g.
        `!no-unauthenticated`, set by the author on their profile record)."""
        labels = [{"src": did, "uri": f"at://{did}/app.bsky.actor.profile/self",
                   "cid": "bafyreiprofile", "val": val, "cts": "2026-11-01T10:00:00.000Z"}
                  for val in self_labels]
        self.profiles[did] = {"did": did, "handle": handle, "displayName": name,
                              "description": description, "labels": labels,
                              "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/x@jpeg"}

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/xrpc/app.bsky.actor.getProfile", self.get_profile)]

    async def get_profile(self, request: web.Request) -> web.Response:
        profile = self.profiles.get(request.query.get("actor", ""))
        if profile is None:
            return web.json_response({"error": "InvalidRequest",
                                      "message": "Profile not found"}, status=400)
        return web.json_response(profile)
