"""Bluesky: Jetstream's `app.bsky.feed.post` firehose, filtered on the event's hashtags.

A post matches when one of its tag facets or its `tags` equals a hashtag of the event,
ignoring case. The Jetstream cursor (`time_us`) is saved after each accepted post and every
few seconds otherwise; a reconnect resumes slightly before it (Jetstream's advice) and the
inbox de-duplication absorbs the overlap. Handles and display names come from the AppView
(`app.bsky.actor.getProfile`) through a small cache, with the profile's labels and
description: an author who opted out (`!no-unauthenticated`, #nobot) or whose profile
cannot be read is never ingested (wall/sources/consent.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets

from wall.models import Event, Item
from wall.sources.consent import bluesky_consents
from wall.sources.normalise import deliver, make_item
from wall.sources.settings import SourceSettings
from wall.store.client import Client
from wall.store.ingest import load_cursor, save_cursor

log = logging.getLogger("clameur.sources.bluesky")

COLLECTION = "app.bsky.feed.post"
TAG_FACET = "app.bsky.richtext.facet#tag"
REWIND_US = 1_000_000
SAVE_EVERY = 5.0
SENSITIVE_LABELS = {"porn", "sexual", "nudity", "graphic-media", "gore"}


Profile = dict[str, Any]
# A failed lookup is tried again after these pauses (s) before the post is given up:
# without the profile, its author's consent is unknown.
RETRIES = (0.2, 0.5)
FAILED_TTL = 10.0


class Profiles:
    """did -> handle, display name, avatar, labels and description, cached; a profile
    that cannot be read is `known: False` (its posts are not ingested) for FAILED_TTL."""

    def __init__(self, http: httpx.AsyncClient, appview: str, ttl: float = 3600.0,
                 size: int = 10_000) -> None:
        self.http, self.appview, self.ttl, self.size = http, appview.rstrip("/"), ttl, size
        self.cache: dict[str, tuple[float, Profile]] = {}

    async def get(self, did: str) -> Profile:
        hit = self.cache.get(did)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        profile, ttl = await self._fetch(did)
        if len(self.cache) >= self.size:
            self.cache.pop(next(iter(self.cache)))
        self.cache[did] = (time.monotonic() + ttl, profile)
        return profile

    def forget_handle(self, did: str) -> None:
        """An identity event: the handle changed, ask again next time."""
        self.cache.pop(did, None)

    async def _fetch(self, did: str) -> tuple[Profile, float]:
        for pause in (*RETRIES, None):
            try:
                response = await self.http.get(
                    f"{self.appview}/xrpc/app.bsky.actor.getProfile", params={"actor": did})
                response.raise_for_status()
                data = response.json()
                labels = data.get("labels")
                return ({"handle": str(data.get("handle") or did),
                         "name": str(data.get("displayName") or data.get("handle") or did),
                         "avatar": str(data.get("avatar") or ""),
                         "description": str(data.get("description") or ""),
                         "labels": labels if isinstance(labels, list) else [],
                         "known": True}, self.ttl)
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                gone = isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code < 500
                if pause is None or gone:
                    log.info("profile of %s not resolved: %s", did, exc)
                    break
                await asyncio.sleep(pause)
        return {"handle": did, "name": did, "avatar": "", "known": False}, FAILED_TTL


def post_tags(record: dict[str, Any]) -> set[str]:
    """Every hashtag of a post record, lower-cased, from facets and `tags`."""
    found = {str(t).lower() for t in record.get("tags") or [] if isinstance(t, str)}
    for facet in record.get("facets") or []:
        for feature in (facet or {}).get("features") or []:
            if isinstance(feature, dict) and feature.get("$type") == TAG_FACET:
                found.add(str(feature.get("tag", "")).lower())
    return found


def _images(did: str, embed: dict[str, Any] | None) -> list[dict[str, str]]:
    if not isinstance(embed, dict):
        return []
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    if embed.get("$type") != "app.bsky.embed.images":
        return []
    out = []
    for image in embed.get("images") or []:
        cid = ((image.get("image") or {}).get("ref") or {}).get("$link")
        if cid:
            out.append({"url": f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                        "alt": str(image.get("alt") or "")})
    return out


def post_item(event: Event, did: str, rkey: str, record: dict[str, Any],
              profile: Profile) -> Item:
    labels = {str(v.get("val")) for v in (record.get("labels") or {}).get("values") or []
              if isinstance(v, dict)}
    return make_item(
        event, "bluesky", f"at://{did}/{COLLECTION}/{rkey}", author=profile["name"],
        text=str(record.get("text") or ""), author_key=f"bluesky:{did}",
        url=f"https://bsky.app/profile/{profile['handle']}/post/{rkey}",
        avatar=profile["avatar"] or None, media=_images(did, record.get("embed")),
        sensitive=bool(labels & SENSITIVE_LABELS),
        lang=langs[0] if isinstance(langs := record.get("langs"), list) and langs else None)


class JetstreamConnector:
    """One Jetstream subscription for one event."""

    name = "bluesky"

    def __init__(self, redis: Client, event: Event, profiles: Profiles,
                 settings: SourceSettings) -> None:
        self.redis, self.event, self.profiles = redis, event, profiles
        self.base = settings.jetstream_url
        self.tags = {t.lower() for t in event.hashtags}

    async def url(self) -> str:
        query: dict[str, str] = {"wantedCollections": COLLECTION}
        cursor = await load_cursor(self.redis, self.event.slug, self.name)
        if cursor:
            query["cursor"] = str(max(int(cursor) - REWIND_US, 0))
        return f"{self.base}?{urlencode(query)}"

    async def run(self) -> None:
        """Read until the connection drops; the supervisor reconnects from the cursor."""
        loop = asyncio.get_running_loop()
        async with websockets.connect(await self.url(), max_size=2**21, open_timeout=10,
                                      close_timeout=2) as ws:
            last_saved, pending = loop.time(), None
            async for raw in ws:
                time_us = await self.handle(raw)
                if time_us is None:
                    continue
                pending = time_us
                if loop.time() - last_saved > SAVE_EVERY:
                    await save_cursor(self.redis, self.event.slug, self.name, str(pending))
                    last_saved = loop.time()
        raise ConnectionError("Jetstream closed the connection")

    async def handle(self, raw: str | bytes) -> int | None:
        """Accept one Jetstream message if it matches; its time_us, None when unreadable."""
        try:
            message = json.loads(raw)
            time_us = int(message["time_us"])
        except (ValueError, KeyError, TypeError):
            log.info("%s: unreadable Jetstream message skipped", self.event.slug)
            return None
        kind = message.get("kind")
        if kind == "identity":
            self.profiles.forget_handle(str(message.get("did")))
        commit = message.get("commit") if kind == "commit" else None
        if not isinstance(commit, dict) or commit.get("operation") != "create" \
                or commit.get("collection") != COLLECTION:
            return time_us
        record = commit.get("record")
        tags = post_tags(record) if isinstance(record, dict) else set()
        if not isinstance(record, dict) or not tags & self.tags:
            return time_us
        did, rkey = str(message.get("did")), str(commit.get("rkey"))
        profile = await self.profiles.get(did)
        if not bluesky_consents(profile, record, tags):
            log.info("%s: a post of an author who opted out (or unknown) not ingested",
                     self.event.slug)
            return time_us
        item = post_item(self.event, did, rkey, record, profile)
        await deliver(self.redis, self.event, [item])
        await save_cursor(self.redis, self.event.slug, self.name, str(time_us))
        return time_us
