"""What the app's lifespan owns, as one typed object instead of `app.state.X` strings.

Routes, sockets and middleware reach it with `app_state(request)` (or a WebSocket), and
mypy checks every use. It is an attribute of the app itself (`Clameur.appstate`), not of
Starlette's `State`, whose every read is a Python call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from jinja2 import Environment
from starlette.requests import HTTPConnection

from wall.config import Settings
from wall.eventcache import EventCache
from wall.live.hub import Hub
from wall.live.reactions import ReactionCounter
from wall.live.votes import VoteBatcher
from wall.media import MediaProxy
from wall.metrics import Metrics
from wall.ratelimit import RateLimiter
from wall.store.client import Client


@dataclass
class AppState:
    settings: Settings
    redis: Client
    # Key of signed device cookies and author hashes (CLAMEUR_SECRET or shared through Redis).
    secret: str
    hub: Hub
    events: EventCache
    limiter: RateLimiter
    metrics: Metrics
    reactions: ReactionCounter
    templates: Environment
    # Source images fetched, re-encoded and kept for the wall's own origin (wall/media.py).
    media: MediaProxy
    # Poll votes and question upvotes, written in batches (wall/live/votes.py).
    votes: VoteBatcher
    # CLAMEUR_READ_TIMEOUT_SECONDS as a number: how long a request's body may take.
    read_timeout: float = field(init=False)

    def __post_init__(self) -> None:
        self.read_timeout = float(self.settings.read_timeout_seconds)


def app_state(conn: HTTPConnection) -> AppState:
    """The running app's state, from a request or a WebSocket."""
    return cast(AppState, conn.app.appstate)
