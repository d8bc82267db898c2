"""Events, pending items and decisions for the benchmarks, through Clameur's own store."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from wall.models import Event, Item, new_item_id, utc_now_iso
from wall.redis_client import connect
from wall.store.events import create_event
from wall.store.inbox import insert_item
from wall.store.tokens import create_token

ITEM_TEXT = "Merci pour cette présentation, une question sur le budget participatif ?"


@dataclass
class BenchEvent:
    slug: str
    token: str


async def new_event(redis_url: str, **settings: object) -> BenchEvent:
    redis = connect(redis_url)
    try:
        slug = f"bench-{secrets.token_hex(3)}"
        await create_event(redis, Event(slug=slug, title=f"Bench {slug}", **settings))  # type: ignore[arg-type]
        token, _ = await create_token(redis, slug, "moderator", label="bench")
        return BenchEvent(slug, token)
    finally:
        await redis.aclose()


async def pending(redis_url: str, slug: str, count: int) -> list[str]:
    """`count` pending items inserted directly (the inbox script), their ids."""
    redis: Redis = connect(redis_url)
    try:
        ids = []
        for n in range(count):
            item = Item(id=new_item_id() + f"{n:05d}", event=slug, source="web",
                        source_id=f"bench-{n}-{secrets.token_hex(4)}", author="Camille",
                        text=f"{ITEM_TEXT} #{n}", received_at=utc_now_iso())
            await insert_item(redis, item)
            ids.append(item.id)
        return ids
    finally:
        await redis.aclose()


async def approve(http: httpx.AsyncClient, event: BenchEvent, item_id: str) -> float:
    """Approve one item; the monotonic time its `200` arrived."""
    res = await http.post(f"/api/events/{event.slug}/items/{item_id}/decisions",
                          json={"action": "approve"},
                          headers={"Authorization": f"Bearer {event.token}"})
    now = time.monotonic()
    if res.status_code != 200:
        raise RuntimeError(f"approve answered {res.status_code}: {res.text}")
    return now


async def approve_all(base_url: str, event: BenchEvent, ids: list[str],
                      concurrency: int = 4) -> None:
    """Approve `ids` as fast as `concurrency` moderators can."""
    queue = list(reversed(ids))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        async def worker() -> None:
            while queue:
                await approve(http, event, queue.pop())

        await asyncio.gather(*[worker() for _ in range(concurrency)])


async def publish_all(base_url: str, frames: list[str], concurrency: int = 4) -> None:
    """The baseline's equivalent: `POST /publish` each frame."""
    queue = list(reversed(frames))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        async def worker() -> None:
            while queue:
                res = await http.post("/publish", content=queue.pop().encode())
                res.raise_for_status()

        await asyncio.gather(*[worker() for _ in range(concurrency)])


def item_frame(n: int) -> str:
    """A frame shaped and sized like a Clameur `item` frame, for the baseline."""
    import json

    item = Item(id=new_item_id(), event="bare", source="web", source_id=f"b-{n}",
                author="Camille", text=f"{ITEM_TEXT} #{n}", received_at=utc_now_iso())
    return json.dumps({"type": "item", "position": f"{int(time.time() * 1000)}-{n}",
                       "item": item.public()}, ensure_ascii=False, separators=(",", ":"))
