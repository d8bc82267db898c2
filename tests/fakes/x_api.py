"""A fake X API v2 recent search: the JSON shapes, pagination and rate-limit headers of
https://docs.x.com/x-api/posts/search-recent-posts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.base import FakeService


@dataclass
class Author:
    id: str
    name: str
    username: str
    description: str = ""  # the profile's bio (`user.fields=description`)

    def json(self, fields: tuple[str, ...] = ()) -> dict[str, str]:
        """The user object: id, name and username, plus the optional `user.fields` asked."""
        data = {"id": self.id, "name": self.name, "username": self.username,
                "profile_image_url": f"https://pbs.twimg.com/profile_images/{self.id}/a.jpg",
                "description": self.description}
        return {k: v for k, v in data.items()
                if k in ("id", "name", "username", "profile_image_url") or k in fields}


@dataclass
class Tweet:
    id: str
    text: str
    author: Author
    media: list[dict[str, str]] = field(default_factory=list)
    sensitive: bool = False

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text, "author_id": self.author.id,
                                "edit_history_tweet_ids": [self.id],
                                "created_at": "2026-11-26T10:00:00.000Z",
                                "possibly_sensitive": self.sensitive}
        if self.media:
            data["attachments"] = {"media_keys": [m["media_key"] for m in self.media]}
        return data


class FakeX(FakeService):
    """Holds tweets; answers `GET /2/tweets/search/recent` like the real endpoint."""

    def __init__(self, token: str = "test-bearer", limit: int = 450) -> None:
        super().__init__()
        self.token = token
        self.tweets: list[Tweet] = []
        self.limit = limit
        self.remaining = limit
        self.reset = int(time.time()) + 900
        self._next_id = 1_860_000_000_000_000_000

    def post(self, text: str, author: Author | None = None, **extra: Any) -> Tweet:
        self._next_id += 1_000_003
        tweet = Tweet(str(self._next_id), text, author or Author("2244994945", "Camille",
                                                                 "camille_c"), **extra)
        self.tweets.append(tweet)
        return tweet

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/2/tweets/search/recent", self.search)]

    def _headers(self) -> dict[str, str]:
        return {"x-rate-limit-limit": str(self.limit),
                "x-rate-limit-remaining": str(self.remaining),
                "x-rate-limit-reset": str(self.reset)}

    async def search(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"title": "Unauthorized", "type": "about:blank",
                                      "status": 401, "detail": "Unauthorized"}, status=401)
        q = request.query
        max_results = int(q.get("max_results", "10"))
        if not 10 <= max_results <= 100:
            return web.json_response({"errors": [{"parameters": {"max_results": [str(max_results)]},
                                                  "message": "out of range"}],
                                      "title": "Invalid Request Parameters"}, status=400)
        self.remaining = max(self.remaining - 1, 0)
        tags = [w.lower() for w in q["query"].replace("(", " ").replace(")", " ").split()
                if w.startswith("#")]
        since = int(q.get("since_id", "0"))
        matching = [t for t in reversed(self.tweets) if int(t.id) > since
                    and any(tag in t.text.lower() for tag in tags)]
        offset = int(q.get("next_token", "0") or 0)
        page = matching[offset:offset + max_results]
        fields = tuple(q.get("user.fields", "").split(","))
        return web.json_response(self._body(page, offset + max_results, len(matching), fields),
                                 headers=self._headers())

    def _body(self, page: list[Tweet], end: int, total: int,
              fields: tuple[str, ...] = ()) -> dict[str, Any]:
        meta: dict[str, Any] = {"result_count": len(page)}
        if not page:
            return {"meta": meta}
        meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if end < total:
            meta["next_token"] = str(end)
        users = {t.author.id: t.author.json(fields) for t in page}
        body: dict[str, Any] = {"data": [t.json() for t in page],
                                "includes": {"users": list(users.values())}, "meta": meta}
        media = [m for t in page for m in t.media]
        if media:
            body["includes"]["media"] = media
        return body

    def rate_limited(self, reset_in: int) -> None:
        """The next search answers 429 until `reset_in` seconds from now."""
        reset = int(time.time()) + reset_in
        self.fail_next(429, '{"title":"Too Many Requests","detail":"Too Many Requests",'
                            '"type":"about:blank","status":429}',
                       headers={"x-rate-limit-limit": str(self.limit),
                                "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
