"""Mastodon's streaming API (`/api/v1/streaming/hashtag`, Server-Sent Events).

Used on instances where a user token is configured (the stream needs one since Mastodon
4.2). The connector polls with `min_id` first, so a (re)connection never leaves a gap,
then takes `update` events live until the stream ends.

Big instances serve streaming from another host (mastodon.social: `streaming.` + domain)
and redirect `/api/v1/streaming` there. The stream is opened at the host the instance
names (`GET /api/v2/instance` → `configuration.urls.streaming`, else v1's
`urls.streaming_api`), and redirects are followed by hand: the user token goes only to the
instance, the host it names, or its subdomains — never to a host a redirect picks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING, Any, cast

import httpx

from wall.tasks import cancel_and_wait

if TYPE_CHECKING:
    from wall.sources.mastodon import MastodonConnector

log = logging.getLogger("clameur.sources.mastodon")

# Mastodon sends a heartbeat comment every ~15 s: a minute of silence means a dead stream.
READ_TIMEOUT = 60.0
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


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


def _http_base(url: str) -> str | None:
    """`wss://streaming.example` as the https base SSE is read from; None when unusable."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        return None
    scheme = {"wss": "https", "ws": "http", "https": "https", "http": "http"}.get(parsed.scheme)
    if scheme is None or not parsed.host:
        return None
    return str(parsed.copy_with(scheme=scheme, path="/", query=None, fragment=None)
               ).rstrip("/")


def _named_streaming(body: Any) -> str | None:
    """The streaming URL an instance document names (v2 first, then v1), if any."""
    if not isinstance(body, dict):
        return None
    urls = body.get("configuration", {}).get("urls") if isinstance(
        body.get("configuration"), dict) else body.get("urls")
    if not isinstance(urls, dict):
        return None
    named = urls.get("streaming") or urls.get("streaming_api")
    return named if isinstance(named, str) else None


async def streaming_base(connector: MastodonConnector) -> str:
    """Where this instance serves streaming: the host it names, else itself."""
    for path in ("/api/v2/instance", "/api/v1/instance"):
        try:
            response = await connector.http.get(f"{connector.base}{path}", timeout=10)
            named = _named_streaming(response.json()) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            continue
        base = _http_base(named) if named else None
        if base:
            return base
    return connector.base


def may_carry_token(url: httpx.URL, trusted: Collection[str], instance: str) -> bool:
    """True for the instance's host, a host it named, or one of its subdomains."""
    host = (url.host or "").lower()
    return host in trusted or (bool(instance) and host.endswith("." + instance.lower()))


async def open_stream(connector: MastodonConnector, base: str, tag: str) -> httpx.Response:
    """The open SSE response of `tag`'s stream, redirects followed (raises on an error)."""
    instance = connector.host or ""
    trusted = {instance.lower(), (httpx.URL(base).host or "").lower()}
    url = httpx.URL(f"{base}/api/v1/streaming/hashtag", params={"tag": tag})
    timeout = httpx.Timeout(20, read=READ_TIMEOUT)
    for _ in range(MAX_REDIRECTS + 1):
        headers = connector.headers if may_carry_token(url, trusted, instance) else {}
        request = connector.http.build_request("GET", url, headers=headers, timeout=timeout)
        response = await connector.http.send(request, stream=True, follow_redirects=False)
        location = response.headers.get("location")
        if response.status_code not in REDIRECTS or not location:
            if response.is_error:
                await response.aclose()
                response.raise_for_status()
            return response
        await response.aclose()
        url = url.join(location)
        log.info("%s: stream of #%s redirected to %s", connector.event.slug, tag, url.host)
    raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=request)


async def stream_tag(connector: MastodonConnector, tag: str, base: str | None = None) -> None:
    """Accept each new status of one hashtag until the instance closes the stream."""
    response = await open_stream(connector, base or connector.base, tag)
    try:
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
    finally:
        await response.aclose()


async def stream_tags(connector: MastodonConnector) -> None:
    """One stream per hashtag, at the instance's streaming host; returns (or raises) as soon
    as one of them ends."""
    base = await streaming_base(connector)
    tasks = [asyncio.create_task(stream_tag(connector, tag, base))
             for tag in connector.event.hashtags]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        await cancel_and_wait(*tasks)
