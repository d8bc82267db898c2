"""X (Twitter): recent search for the event's hashtags with tweepy's AsyncClient.

One long-lived aiohttp session serves every request. tweepy hard-codes the API host, so
when `CLAMEUR_X_API_URL` names another base (a proxy, or a test's loopback fake) a client
middleware rewrites each request's scheme, host and port. Polls are paced by the
`x-rate-limit-*` headers; a 429 waits for `x-rate-limit-reset`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from tweepy import TooManyRequests
from tweepy.asynchronous import AsyncClient
from yarl import URL

from wall.models import Event, Item
from wall.sources.consent import x_consents
from wall.sources.cursors import newer
from wall.sources.normalise import deliver, make_item
from wall.sources.settings import SourceSettings
from wall.store.client import Client
from wall.store.ingest import load_cursor, save_cursor

log = logging.getLogger("clameur.sources.x")

DEFAULT_HOST = "api.twitter.com"
EXPANSIONS = ["author_id", "attachments.media_keys"]
# `description`: an author's #nobot is read there (wall/sources/consent.py).
USER_FIELDS = ["name", "username", "profile_image_url", "description"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "alt_text"]
TWEET_FIELDS = ["author_id", "created_at", "attachments", "possibly_sensitive", "note_tweet",
                "lang"]


class MalformedPayload(ValueError):
    """The source answered with something that is not what its documentation promises."""


def host_middleware(base: str) -> aiohttp.ClientMiddlewareType:
    """An aiohttp client middleware sending every request to `base` instead."""
    target = URL(base)

    async def rewrite(request: aiohttp.ClientRequest,
                      handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
        request.url = request.url.with_scheme(target.scheme).with_host(target.raw_host or "") \
            .with_port(target.port)
        request.update_host(request.url)
        request.headers["Host"] = target.raw_authority
        return await handler(request)

    return rewrite


def open_session(settings: SourceSettings) -> aiohttp.ClientSession:
    """The one session the X connectors share."""
    middlewares: tuple[aiohttp.ClientMiddlewareType, ...] = ()
    if URL(settings.x_api_url).raw_host != DEFAULT_HOST:
        middlewares = (host_middleware(settings.x_api_url),)
    return aiohttp.ClientSession(middlewares=middlewares,
                                 timeout=aiohttp.ClientTimeout(total=30))


def make_client(settings: SourceSettings, session: aiohttp.ClientSession) -> AsyncClient:
    client = AsyncClient(bearer_token=settings.x_bearer_token,
                         return_type=aiohttp.ClientResponse)
    client.session = session
    return client


def search_query(event: Event, retweets: bool = False) -> str:
    tags = " OR ".join(f"#{tag}" for tag in event.hashtags)
    query = f"({tags})" if len(event.hashtags) > 1 else tags
    return query if retweets else f"{query} -is:retweet"


def pause(headers: Mapping[str, str], shortest: float, now: float | None = None) -> float:
    """Seconds until the next search so the remaining quota lasts until the window resets."""
    now = time.time() if now is None else now
    try:
        remaining = int(headers["x-rate-limit-remaining"])
        reset = int(headers["x-rate-limit-reset"])
    except (KeyError, ValueError):
        return shortest
    window = max(reset - now, 0.0)
    if remaining <= 0:
        return max(window + 1, shortest)
    return max(window / remaining, shortest)


def tweet_item(event: Event, tweet: dict[str, Any], users: dict[str, dict[str, Any]],
               media: dict[str, dict[str, Any]]) -> Item:
    user = users.get(tweet.get("author_id", ""), {})
    username = user.get("username") or tweet["author_id"]
    note = tweet.get("note_tweet") or {}
    # X escapes &, < and > in tweet text; the wall wants the characters themselves.
    text = html.unescape(note.get("text") or tweet["text"])
    attachments = [media[k] for k in (tweet.get("attachments") or {}).get("media_keys", [])
                   if k in media]
    return make_item(
        event, "x", str(tweet["id"]), author=user.get("name") or username, text=text,
        author_key=f"x:{tweet['author_id']}", avatar=user.get("profile_image_url"),
        url=f"https://x.com/{username}/status/{tweet['id']}",
        media=[{"url": m.get("url") or m.get("preview_image_url", ""),
                "alt": m.get("alt_text", "")} for m in attachments
               if m.get("url") or m.get("preview_image_url")],
        sensitive=bool(tweet.get("possibly_sensitive")), lang=tweet.get("lang"))


def page_items(event: Event, body: Any) -> list[Item]:
    """The items of one search page, oldest first."""
    if not isinstance(body, dict) or not isinstance(body.get("meta", {}), dict):
        raise MalformedPayload("search answer is not a JSON object with meta")
    tweets, includes = body.get("data", []), body.get("includes", {})
    if not isinstance(tweets, list) or not isinstance(includes, dict):
        raise MalformedPayload("data must be a list and includes an object")
    users = {u["id"]: u for u in includes.get("users", []) if isinstance(u, dict) and "id" in u}
    media = {m["media_key"]: m for m in includes.get("media", [])
             if isinstance(m, dict) and "media_key" in m}
    out = []
    for tweet in tweets:
        try:
            if isinstance(tweet, dict) and not x_consents(
                    users.get(tweet.get("author_id", ""), {}), str(tweet.get("text") or "")):
                log.info("%s: a tweet of an author who opted out, not ingested", event.slug)
                continue
            out.append(tweet_item(event, tweet, users, media))
        except (KeyError, TypeError) as exc:
            log.info("%s: tweet skipped, missing %s", event.slug, exc)
    return list(reversed(out))


class XConnector:
    """Polls recent search with `since_id` for one event."""

    name = "x"

    def __init__(self, redis: Client, event: Event, client: AsyncClient,
                 settings: SourceSettings) -> None:
        self.redis, self.event, self.client = redis, event, client
        self.query = search_query(event, retweets=settings.x_retweets == "1")
        self.shortest = settings.seconds("x_poll_seconds")

    async def run(self) -> None:
        while True:
            await asyncio.sleep(await self.poll())

    async def poll(self) -> float:
        """One search (all pages since the cursor); returns the pause before the next."""
        since = await load_cursor(self.redis, self.event.slug, self.name)
        pages: list[list[Item]] = []
        newest, token, headers = None, None, {}
        while True:
            try:
                response = await self._search(since, token)
            except TooManyRequests as exc:
                wait = max((exc.reset_time or 0) - time.time() + 1, self.shortest)
                log.warning("%s: X rate limit reached, waiting %.0fs", self.event.slug, wait)
                return wait
            headers = dict(response.headers)
            body = await self._json(response)
            pages.append(page_items(self.event, body))
            newest = newest or body.get("meta", {}).get("newest_id")
            token = body.get("meta", {}).get("next_token")
            if not token or since is None:
                break
        await deliver(self.redis, self.event, [i for page in reversed(pages) for i in page])
        if newest and newer(str(newest), since):
            await save_cursor(self.redis, self.event.slug, self.name, str(newest))
        return pause({k.lower(): v for k, v in headers.items()}, self.shortest)

    async def _search(self, since: str | None, token: str | None) -> aiohttp.ClientResponse:
        params: dict[str, Any] = {"expansions": EXPANSIONS, "user_fields": USER_FIELDS,
                                  "media_fields": MEDIA_FIELDS, "tweet_fields": TWEET_FIELDS,
                                  "max_results": 100 if since else 10}
        if since:
            params["since_id"] = since
        if token:
            params["next_token"] = token
        return await self.client.search_recent_tweets(self.query, **params)  # type: ignore[no-any-return]

    @staticmethod
    async def _json(response: aiohttp.ClientResponse) -> Any:
        try:
            return await response.json(content_type=None)
        except ValueError as exc:
            raise MalformedPayload(f"search answer is not JSON: {exc}") from exc
