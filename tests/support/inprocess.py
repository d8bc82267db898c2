"""The real app in the test's own process: `create_app` with its lifespan run, spoken to by
httpx through `ASGITransport` (no socket, no subprocess, no start-up wait).

For validation and route tests, where a server process adds only time (Datasette's
in-process client). WebSockets, faults, restarts and scale-out keep a real
`clameur serve` (tests/support/servers.py): ASGITransport does not speak WebSocket, and
there the process boundary is what is tested.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import fields, replace
from http.cookiejar import CookieJar
from types import TracebackType
from typing import Any

import httpx
from starlette.applications import Starlette

from wall.config import Settings

BASE_URL = "http://testserver"
# What ServerProcess.start sets for every test server: a known secret (tests recompute
# author keys) and no rate limits (tests post from one address) unless a test sets them.
SERVER_ENV = {"CLAMEUR_SECRET": "test-secret", "CLAMEUR_RATE_LIMITS": "off"}
_FIELD_BY_ENV = {f.metadata["env"]: f.name for f in fields(Settings)}


def server_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings a `ServerProcess(env=env)` would load: the environment and
    clameur.toml as read here, then SERVER_ENV, then `env` (variable names, as for the
    subprocess)."""
    wanted = {**SERVER_ENV, **(env or {})}
    unknown = sorted(set(wanted) - set(_FIELD_BY_ENV))
    if unknown:
        raise ValueError(f"not a setting: {', '.join(unknown)}")
    return replace(Settings.load(), **{_FIELD_BY_ENV[k]: v for k, v in wanted.items()})


def fresh_address() -> str:
    """A private address no other test uses: per-address limits never collide."""
    return str(ipaddress.IPv4Address(0x0A000000 + secrets.randbits(24)))


class InProcessApp:
    """One app instance with its lifespan running; `client()` opens httpx clients on it.

    Each instance has its own Redis connection, hub, caches and rate limiter, like a server
    process: two instances on one Redis share only what the store shares.
    """

    def __init__(self, redis_url: str, env: Mapping[str, str] | None = None) -> None:
        # Imported here, not at the top: conftest imports this module, and a test that never
        # builds the app should not need every route module to import.
        from wall.app import create_app

        self.settings = server_settings(env)
        self.app: Starlette = create_app(self.settings, redis_url=redis_url)
        # The address every client of this app posts from unless told otherwise.
        self.address = fresh_address()
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> InProcessApp:
        await self._stack.enter_async_context(self.app.router.lifespan_context(self.app))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._stack.aclose()

    def client(self, address: str | None = None,
               cookies: httpx.Cookies | CookieJar | dict[str, str] | None = None,
               **kwargs: Any) -> httpx.AsyncClient:
        """A client (a phone, a moderator) calling from `address`; give it another client's
        `cookies.jar` to be the same device on another app instance."""
        transport = httpx.ASGITransport(app=self.app, client=(address or self.address, 123))
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL, cookies=cookies,
                                 timeout=10, **kwargs)
