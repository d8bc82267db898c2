"""Which connectors an event needs, and the long-lived clients they share.

A connector's key carries the settings it depends on, so changing an event's hashtags or
instances makes the supervisor replace the old connector with a new one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import httpx

from wall.models import Event
from wall.sources.bluesky import JetstreamConnector, Profiles
from wall.sources.mastodon import MastodonConnector
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Runner
from wall.sources.x import XConnector, make_client, open_session
from wall.store.client import Client

USER_AGENT = "Clameur (live wall; +https://github.com/clameur)"


class Connectors:
    """Plans connectors per event over one aiohttp session (X) and one httpx client."""

    def __init__(self, redis: Client, settings: SourceSettings, x_session: aiohttp.ClientSession,
                 http: httpx.AsyncClient) -> None:
        self.redis, self.settings, self.http = redis, settings, http
        self.x_client = make_client(settings, x_session) if settings.x_bearer_token else None
        self.profiles = Profiles(http, settings.bluesky_appview_url)

    def plan(self, event: Event) -> dict[str, tuple[str, Runner]]:
        if not event.hashtags:
            return {}
        tags = ",".join(sorted(t.lower() for t in event.hashtags))
        out: dict[str, tuple[str, Runner]] = {}
        if "x" in event.sources and self.x_client is not None:
            x = XConnector(self.redis, event, self.x_client, self.settings)
            out[f"x|{x.query}"] = (x.name, x.run)
        if "mastodon" in event.sources:
            for instance in event.mastodon_instances:
                m = MastodonConnector(self.redis, event, instance, self.http, self.settings)
                out[f"mastodon|{m.base}|{tags}"] = (m.name, m.run)
        if "bluesky" in event.sources:
            b = JetstreamConnector(self.redis, event, self.profiles, self.settings)
            out[f"bluesky|{tags}"] = (b.name, b.run)
        return out


@contextlib.asynccontextmanager
async def connectors(redis: Client, settings: SourceSettings) -> AsyncIterator[Connectors]:
    """The shared clients, closed on exit."""
    async with open_session(settings) as session, httpx.AsyncClient(
            timeout=httpx.Timeout(20, connect=10), headers={"User-Agent": USER_AGENT},
            follow_redirects=False) as http:
        yield Connectors(redis, settings, session, http)
