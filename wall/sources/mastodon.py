"""Mastodon: the public hashtag timeline of one instance, polled with `min_id`.

`min_id` returns the statuses immediately after the cursor, so following the `prev` link
page by page walks forward without a gap; the cursor is saved after each page is accepted.
Statuses are keyed by their global `uri`: the same post seen on two instances, or boosted,
is stored once. Content is HTML and becomes plain text here (`html_to_text`).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import nh3

from wall.models import Event, Item
from wall.moderation.text import normalise_name
from wall.sources.consent import mastodon_consents
from wall.sources.cursors import newer
from wall.sources.mastodon_stream import stream_tags
from wall.sources.normalise import deliver, make_item
from wall.sources.settings import SourceSettings
from wall.store.client import Client
from wall.store.ingest import load_cursor, save_cursor

log = logging.getLogger("clameur.sources.mastodon")

PAGE = 40
CW_MAX = 200  # a content warning is a line: longer ones are shortened for the desk's flag
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p\s*>\s*<p(\s[^>]*)?>", re.IGNORECASE)


class MalformedPayload(ValueError):
    """The instance answered with something that is not a list of statuses."""


def instance_base(entry: str) -> str:
    """`mastodon.social` -> `https://mastodon.social`; a full URL is kept (tests use http)."""
    entry = entry.strip().rstrip("/")
    return entry if "://" in entry else f"https://{entry}"


def html_to_text(content: str) -> str:
    """Mastodon's HTML as plain text: every tag dropped (scripts with their content),
    paragraphs and line breaks kept, entities decoded."""
    marked = _PARAGRAPH.sub("\n\n", _BREAK.sub("\n", content))
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(stripped)


def status_item(event: Event, status: dict[str, Any], host: str) -> Item:
    original = status.get("reblog") or status
    account = original["account"]
    acct = account["acct"] if "@" in account["acct"] else f"{account['acct']}@{host}"
    text = html_to_text(original.get("content") or "")
    spoiler = (original.get("spoiler_text") or "").strip()
    if spoiler:
        text = f"⚠ {spoiler}\n\n{text}"
    media = [{"url": m.get("url") if m.get("type") == "image" else m.get("preview_url"),
              "alt": m.get("description") or ""}
             for m in original.get("media_attachments") or []]
    item = make_item(
        event, "mastodon", original["uri"], author=account.get("display_name") or acct,
        text=text, author_key=f"mastodon:{acct}", url=original.get("url") or original["uri"],
        avatar=account.get("avatar_static") or account.get("avatar"),
        media=[m for m in media if m["url"]],
        sensitive=bool(original.get("sensitive")) or bool(spoiler),
        lang=original.get("language"))
    # The warning leads the text (rules and limits see it); the desk also shows it as a flag.
    item.content_warning = normalise_name(spoiler)[:CW_MAX] or None
    return item


def consents(status: dict[str, Any]) -> bool:
    """Whether the author of the status (of the boosted status, for a boost) lets it be
    shown (wall/sources/consent.py)."""
    original = status.get("reblog") or status
    note = html_to_text(str((original.get("account") or {}).get("note") or ""))
    return mastodon_consents(original, note)


def pause(headers: httpx.Headers, shortest: float, requests_per_poll: int = 1) -> float:
    """Spread the remaining quota (X-RateLimit-*) over what is left of the window."""
    try:
        remaining = int(headers["x-ratelimit-remaining"])
        reset = datetime.fromisoformat(headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return shortest
    window = max(reset.timestamp() - datetime.now(reset.tzinfo).timestamp(), 0.0)
    if remaining <= 0:
        return max(window + 1, shortest)
    return max(window * requests_per_poll / remaining, shortest)


class MastodonConnector:
    """Follows the event's hashtags on one instance."""

    def __init__(self, redis: Client, event: Event, instance: str, http: httpx.AsyncClient,
                 settings: SourceSettings) -> None:
        self.redis, self.event, self.http = redis, event, http
        self.base = instance_base(instance)
        self.host = httpx.URL(self.base).host
        self.name = f"mastodon:{self.host}"
        self.shortest = settings.seconds("mastodon_poll_seconds")
        token = settings.mastodon_token(self.host)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.streaming = bool(token) and settings.mastodon_streaming == "1"

    async def run(self) -> None:
        """Poll; with a token, catch up by polling then stream until the stream ends."""
        while True:
            wait = await self.poll()
            if self.streaming:
                try:
                    await stream_tags(self)
                    continue  # the stream ended: catch up by polling, then stream again
                except httpx.HTTPStatusError as exc:
                    if exc.response.status_code not in (401, 403, 404):
                        raise
                    log.warning("%s: %s refuses streaming (%s); polling instead",
                                self.event.slug, self.host, exc.response.status_code)
                    self.streaming = False
            await asyncio.sleep(wait)

    async def poll(self) -> float:
        """Read every hashtag's new statuses; returns the pause before the next poll."""
        wait = self.shortest
        for tag in self.event.hashtags:
            wait = max(wait, await self.poll_tag(tag))
        return wait

    def cursor_name(self, tag: str) -> str:
        return f"{self.name}:{tag.lower()}"

    async def take(self, tag: str, statuses: list[dict[str, Any]]) -> str | None:
        """Accept statuses of `tag`, then move its cursor forward (never back)."""
        newest = await self._accept(statuses)
        name = self.cursor_name(tag)
        if newest and newer(newest, await load_cursor(self.redis, self.event.slug, name)):
            await save_cursor(self.redis, self.event.slug, name, newest)
        return newest

    async def poll_tag(self, tag: str) -> float:
        cursor = await load_cursor(self.redis, self.event.slug, self.cursor_name(tag))
        url = f"{self.base}/api/v1/timelines/tag/{quote(tag, safe='')}"
        params: dict[str, str | int] = {"limit": PAGE}
        while True:
            if cursor:
                params["min_id"] = cursor
            response = await self.http.get(url, params=params, headers=self.headers)
            if response.status_code == 429:
                log.warning("%s: %s rate limit reached", self.event.slug, self.host)
                return pause(response.headers, self.shortest)
            response.raise_for_status()
            statuses = self._statuses(response)
            newest = await self.take(tag, statuses)
            if newest:
                cursor = newest
            if len(statuses) < PAGE or not cursor or "prev" not in response.links:
                return pause(response.headers, self.shortest, len(self.event.hashtags))

    @staticmethod
    def _statuses(response: httpx.Response) -> list[dict[str, Any]]:
        try:
            body = response.json()
        except ValueError as exc:
            raise MalformedPayload(f"timeline is not JSON: {exc}") from exc
        if not isinstance(body, list):
            raise MalformedPayload("timeline is not a JSON list")
        return [s for s in body if isinstance(s, dict) and isinstance(s.get("id"), str)]

    async def _accept(self, statuses: list[dict[str, Any]]) -> str | None:
        """Accept a page oldest first; the newest id read, to resume after."""
        items, newest, refused = [], None, 0
        for status in sorted(statuses, key=lambda s: (len(s["id"]), s["id"])):
            newest = status["id"]
            try:
                if not consents(status):  # docs/sources.md: consent of social authors
                    refused += 1
                    continue
                items.append(status_item(self.event, status, self.host or ""))
            except (KeyError, TypeError, AttributeError) as exc:
                log.info("%s: status %s skipped, missing %s", self.event.slug, newest, exc)
        if refused:
            log.info("%s: %d status(es) of authors who opted out, not ingested",
                     self.event.slug, refused)
        await deliver(self.redis, self.event, items)
        return newest
