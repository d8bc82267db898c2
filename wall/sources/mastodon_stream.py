"""Mastodon's streaming API (`/api/v1/streaming/hashtag`, Server-Sent Events).

Used on instances where a user token is configured (the stream needs one since Mastodon
4.2). The connector polls with `min_id` first, so a (re)connection never leaves a gap,
then takes `update` events live until the stream ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, cast

import httpx

if TYPE_CHECKING:
    from wall.sources.mastodon import MastodonConnector

log = logging.getLogger("clameur.sources.mastodon")

# Mastodon sends a heartbeat comment every ~15 s: a minute of silence means a dead stream.
READ_TIMEOUT = 60.0


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; comments (heartbeats) skipped."""
    event, data = "", cast(list[str], [])
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = "", cast(list[str], [])
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)


async def stream_tag(connector: MastodonConnector, tag: str) -> None:
    """Accept each new status of one hashtag until the instance closes the stream."""
    url = f"{connector.base}/api/v1/streaming/hashtag"
    timeout = httpx.Timeout(20, read=READ_TIMEOUT)
    async with connector.http.stream("GET", url, params={"tag": tag}, timeout=timeout,
                                     headers=connector.headers) as response:
        response.raise_for_status()
        async for kind, data in sse_events(response):
            if kind != "update":
                continue
            try:
                status = json.loads(data)
            except ValueError:
                log.info("%s: unreadable stream event skipped", connector.event.slug)
                continue
            if isinstance(status, dict) and isinstance(status.get("id"), str):
                await connector.take(tag, [status])


async def stream_tags(connector: MastodonConnector) -> None:
    """One stream per hashtag; returns (or raises) as soon as one of them ends."""
    tasks = [asyncio.create_task(stream_tag(connector, tag)) for tag in connector.event.hashtags]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
