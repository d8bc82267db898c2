"""Fixtures: a real redis-server for the session, the app in-process or as real server
processes, events, tokens."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis

from tests.support.inprocess import InProcessApp
from tests.support.servers import ServerProcess
from wall.models import Event
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.store.events import create_event
from wall.store.tokens import create_token


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when given, else an embedded redis-server for the whole session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[ServerProcess]:
    """One real `clameur serve` process per test module."""
    proc = ServerProcess(redis_url=redis_url).start()
    yield proc
    proc.stop()


@dataclass
class EventFixture:
    slug: str
    token: str
    admin_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def admin_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}


async def make_event(redis: Redis, **settings: object) -> EventFixture:
    slug = f"t-{secrets.token_hex(4)}"
    await create_event(redis, Event(slug=slug, title=f"Test {slug}", **settings))  # type: ignore[arg-type]
    token, _ = await create_token(redis, slug, "moderator", label="alice")
    admin, _ = await create_token(redis, slug, "admin", label="root")
    return EventFixture(slug, token, admin)


@pytest.fixture
async def event(redis: Redis) -> EventFixture:
    """A fresh open event in pre-moderation with a moderator and an admin token."""
    return await make_event(redis)


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
async def inprocess_app(redis_url: str) -> AsyncIterator[InProcessApp]:
    """The real app in this process, lifespan running, with a test server's settings."""
    async with InProcessApp(redis_url) as app:
        yield app


@pytest.fixture
async def app_client(inprocess_app: InProcessApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client of the in-process app, calling from an address of its own."""
    async with inprocess_app.client() as client:
        yield client
