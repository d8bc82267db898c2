"""Real WebSocket and HTTP clients speaking Clameur's API, for tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.support.timing import timeout


class FeedClient:
    """A wall (or audience, or moderator) WebSocket that records every frame it receives."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> FeedClient:
        ws = await websockets.connect(url, open_timeout=timeout(), **kwargs)
        return cls(ws)

    async def next(self, *types: str, limit: float | None = None) -> dict[str, Any]:
        """The next frame (of one of `types`, skipping others)."""
        async def read() -> dict[str, Any]:
            while True:
                msg = json.loads(await self.ws.recv())
                self.received.append(msg)
                if not types or msg["type"] in types:
                    return msg

        return await asyncio.wait_for(read(), timeout=limit or timeout())

    async def close(self) -> None:
        await self.ws.close()


async def post(http: httpx.AsyncClient, slug: str, text: str, **extra: Any) -> httpx.Response:
    return await http.post(f"/api/events/{slug}/posts", json={"text": text, **extra})


async def decide(http: httpx.AsyncClient, slug: str, item_id: str, action: str,
                 token: str, **extra: Any) -> httpx.Response:
    return await http.post(f"/api/events/{slug}/items/{item_id}/decisions",
                           json={"action": action, **extra},
                           headers={"Authorization": f"Bearer {token}"})


async def approved(http: httpx.AsyncClient, slug: str, text: str, token: str) -> str:
    """Post `text` and approve it; its id."""
    res = await post(http, slug, text)
    assert res.status_code == 202, res.text
    item_id: str = res.json()["id"]
    res = await decide(http, slug, item_id, "approve", token)
    assert res.status_code == 200, res.text
    return item_id
