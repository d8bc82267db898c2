"""A fake Mastodon instance: `GET /api/v1/timelines/tag/:hashtag` as documented at
https://docs.joinmastodon.org/methods/timelines/#tag (min_id/max_id/since_id, limit ≤ 40,
Link headers, X-RateLimit-* headers, optional token)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes.base import FakeService

# A 4×4 red PNG: what every attachment of the fake instance looks like.
MEDIA_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGM8ISfHAANMDEgANwcANHYBDK9qubUAAAAASUVORK5CYII=")


def account(username: str, display_name: str = "", domain: str = "", *,
            note: str = "", discoverable: bool | None = True, noindex: bool = False
            ) -> dict[str, Any]:
    """An Account entity (https://docs.joinmastodon.org/entities/Account/): `note` is the
    profile's HTML; `discoverable` may be null (never chosen); `noindex` since 4.0."""
    acct = f"{username}@{domain}" if domain else username
    return {"id": str(abs(hash(acct)) % 10**9), "username": username, "acct": acct,
            "display_name": display_name, "url": f"https://{domain or 'local'}/@{username}",
            "note": note, "locked": False, "bot": False, "group": False,
            "discoverable": discoverable, "noindex": noindex, "indexable": bool(discoverable),
            "avatar": f"https://files.example/avatars/{username}.png",
            "avatar_static": f"https://files.example/avatars/{username}-static.png"}


class FakeMastodon(FakeService):
    """Statuses with hashtags, paged like Mastodon does (newest first in each page)."""

    def __init__(self, domain: str = "social.example", token: str = "",
                 first_id: int = 113_000_000_000_000_000) -> None:
        super().__init__()
        self.domain = domain
        self.token = token
        self.statuses: list[dict[str, Any]] = []
        self.remaining = 300
        self._next_id = first_id
        self.streams: list[tuple[str, asyncio.Queue[str | None]]] = []
        self.stream_opened = asyncio.Condition()
        self.streams_opened = 0
        self.streaming_enabled = True
        # Like mastodon.social: streaming served by another host (`streaming_host`), to
        # which this host's streaming path redirects; `named_streaming` is what
        # /api/v1|v2/instance name as the streaming URL ("" for none).
        self.streaming_host = ""
        self.named_streaming = ""

    def post(self, content: str, tags: list[str], who: dict[str, Any] | None = None,
             uri: str | None = None, **extra: Any) -> dict[str, Any]:
        self._next_id += 65_536
        sid = str(self._next_id)
        who = who or account("camille", "Camille")
        status = {
            "id": sid, "created_at": datetime.now(UTC).isoformat(), "in_reply_to_id": None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "fr",
            "uri": uri or f"https://{self.domain}/users/{who['username']}/statuses/{sid}",
            "url": f"https://{self.domain}/@{who['username']}/{sid}", "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 0, "edited_at": None, "content": content,
            "reblog": None, "account": who, "media_attachments": [], "mentions": [],
            "tags": [{"name": t.lower(), "url": f"https://{self.domain}/tags/{t}"}
                     for t in tags],
            "emojis": [], "card": None, "poll": None, **extra}
        self.statuses.append(status)
        for tag, queue in self.streams:
            if tag in {t.lower() for t in tags}:
                queue.put_nowait(json.dumps(status))
        return status

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/api/v1/timelines/tag/{hashtag}", self.tag_timeline),
                web.get("/api/v1/streaming/hashtag", self.stream_hashtag),
                web.get("/api/v1/instance", self.instance_v1),
                web.get("/api/v2/instance", self.instance_v2),
                web.get("/system/media_attachments/{name}", self.media_file)]

    def media_url(self, name: str) -> str:
        """Where this instance serves an attachment (`media.png`: a small PNG)."""
        return f"{self.url}/system/media_attachments/{name}"

    async def media_file(self, request: web.Request) -> web.Response:
        """An image attachment, as an instance's file storage serves it."""
        return web.Response(body=MEDIA_PNG, content_type="image/png")

    async def instance_v1(self, request: web.Request) -> web.Response:
        urls = {"streaming_api": self.named_streaming} if self.named_streaming else {}
        return web.json_response({"uri": self.domain, "version": "4.3.0", "urls": urls})

    async def instance_v2(self, request: web.Request) -> web.Response:
        urls = {"streaming": self.named_streaming} if self.named_streaming else {}
        return web.json_response({"domain": self.domain, "version": "4.3.0",
                                  "configuration": {"urls": urls}})

    async def stream_hashtag(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: `event: update` + status JSON per new status of the tag."""
        if self.streaming_host and request.host.split(":")[0] != self.streaming_host:
            return web.Response(status=301, headers={
                "Location": f"http://{self.streaming_host}{request.path_qs}"})
        if not self.streaming_enabled:
            return web.json_response({"error": "Streaming API disabled"}, status=404)
        if request.headers.get("Authorization", "") in ("", "Bearer "):
            return web.json_response({"error": "Error while fetching an access token"},
                                     status=401)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        await response.write(b":)\n")
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        entry = (request.query["tag"].lower(), queue)
        self.streams.append(entry)
        async with self.stream_opened:
            self.streams_opened += 1
            self.stream_opened.notify_all()
        try:
            while (data := await queue.get()) is not None:
                await response.write(b":thump\n" + f"event: update\ndata: {data}\n\n".encode())
        finally:
            self.streams.remove(entry)
        return response

    async def wait_streams(self, count: int, limit: float = 10) -> None:
        async with self.stream_opened:
            await asyncio.wait_for(
                self.stream_opened.wait_for(lambda: self.streams_opened >= count), limit)

    async def stop(self) -> None:
        self.end_streams()
        await super().stop()

    def end_streams(self) -> None:
        """Close every open stream, as an instance restart would."""
        for _, queue in list(self.streams):
            queue.put_nowait(None)

    def _headers(self) -> dict[str, str]:
        reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": reset}

    async def tag_timeline(self, request: web.Request) -> web.Response:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "This API requires an authenticated user"},
                                     status=401)
        self.remaining -= 1
        tag = request.match_info["hashtag"].lower()
        q = request.query
        limit = min(int(q.get("limit", "20")), 40)
        found = [s for s in self.statuses if tag in {t["name"] for t in s["tags"]}]
        if "max_id" in q:
            found = [s for s in found if int(s["id"]) < int(q["max_id"])]
        if "since_id" in q:
            found = [s for s in found if int(s["id"]) > int(q["since_id"])]
        if "min_id" in q:
            # min_id: the statuses immediately after it (oldest of the newer ones).
            found = [s for s in found if int(s["id"]) > int(q["min_id"])][:limit]
        else:
            found = found[-limit:]
        page = list(reversed(found))
        headers = self._headers()
        if page:
            base = f"{self.url}/api/v1/timelines/tag/{tag}"
            headers["Link"] = (f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                               f'<{base}?min_id={page[0]["id"]}>; rel="prev"')
        return web.json_response(page, headers=headers)

    def rate_limited(self, reset_in: int) -> None:
        reset = (datetime.now(UTC) + timedelta(seconds=reset_in)).isoformat()
        self.fail_next(429, '{"error":"Too many requests"}',
                       headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": reset})
