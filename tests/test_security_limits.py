"""Rate limits (shared through Redis), CSP headers, and cross-origin refusals.

HTTP answers come from the app in-process (`app_client`, `InProcessApp`); the socket limits
and origin checks from real servers."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient
from tests.support.inprocess import InProcessApp
from tests.support.servers import ServerProcess
from wall.store import keys

LIMITS = "post_device=3/60,post_ip=5/60,reaction_device=40/60,ws_connect_ip=4/60"


@pytest.fixture
async def limited_apps(redis_url: str) -> AsyncIterator[tuple[InProcessApp, InProcessApp]]:
    """Two app instances with small limits sharing one Redis, as two server processes."""
    env = {"CLAMEUR_RATE_LIMITS": LIMITS}
    async with InProcessApp(redis_url, env) as a, InProcessApp(redis_url, env) as b:
        yield a, b


@pytest.fixture(scope="module")
def limited_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real server with the same small limits, for what only WebSockets show (the connect
    budget is per event: each test's fresh event has its own)."""
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_RATE_LIMITS": LIMITS}).start()
    yield proc
    proc.stop()


async def test_posts_past_the_device_limit_get_429_with_retry_after(
        limited_apps: tuple[InProcessApp, InProcessApp], event: EventFixture,
        redis: Redis) -> None:
    """The 4th post of one device in a minute is 429 with Retry-After, across instances."""
    a, b = limited_apps
    # One phone: the same address and the same cookie jar on both instances.
    async with a.client() as on_a, b.client(a.address, on_a.cookies.jar) as on_b:
        codes = []
        for n, phone in enumerate([on_a, on_b, on_a, on_b]):
            res = await phone.post(f"/api/events/{event.slug}/posts",
                                   json={"text": f"message {n}"})
            codes.append(res.status_code)
        assert codes == [202, 202, 202, 429]
        assert 1 <= int(res.headers["retry-after"]) <= 60
        assert res.json()["error"] == "rate_limited"
    assert await redis.hlen(keys.items(event.slug)) == 3


async def test_ip_limit_catches_cookie_clearing(
        limited_apps: tuple[InProcessApp, InProcessApp], event: EventFixture) -> None:
    """A client dropping its device cookie each time still meets the per-address limit."""
    a, _ = limited_apps
    codes = []
    for n in range(7):
        async with a.client() as fresh_phone:
            res = await fresh_phone.post(f"/api/events/{event.slug}/posts",
                                         json={"text": f"spam {n}"})
            codes.append(res.status_code)
    assert codes[:5] == [202] * 5 and codes[5:] == [429, 429]


async def test_forged_device_cookie_is_not_trusted(
        limited_apps: tuple[InProcessApp, InProcessApp], event: EventFixture,
        redis: Redis) -> None:
    """An unsigned or tampered device cookie is replaced: nobody picks another's identity."""
    a, _ = limited_apps
    async with a.client(cookies={"clameur_device": "victim-device-id"}) as forger:
        res = await forger.post(f"/api/events/{event.slug}/posts", json={"text": "moi"})
    assert res.status_code == 202
    assert "clameur_device=" in res.headers["set-cookie"]  # a new, signed device id
    victim_key = "web:" + hmac.new(b"test-secret", b"victim-device-id",
                                   hashlib.sha256).hexdigest()[:20]
    body = json.loads(await redis.hget(keys.items(event.slug), res.json()["id"]) or "{}")
    assert body["author_key"].startswith("web:") and body["author_key"] != victim_key


async def test_reactions_past_the_limit_are_dropped_silently(
        redis_url: str, event: EventFixture, redis: Redis) -> None:
    """Taps beyond the device budget answer 202 with nothing counted, never an error."""
    async with InProcessApp(redis_url, {"CLAMEUR_RATE_LIMITS": LIMITS}) as app:
        async with app.client() as phone:
            first = await phone.post(f"/api/events/{event.slug}/reactions",
                                     json={"counts": {"clap": 30}})
            second = await phone.post(f"/api/events/{event.slug}/reactions",
                                      json={"counts": {"clap": 30}})
    # The app has stopped: its reaction counter flushed what it had counted to Redis.
    assert first.status_code == second.status_code == 202
    assert first.json()["accepted"] == 30 and second.json()["accepted"] == 0
    assert await redis.hget(keys.reactions(event.slug), "clap") == "30"


async def test_websocket_connects_are_rate_limited_per_address(
        limited_server: ServerProcess, event: EventFixture) -> None:
    """Past the connect budget a wall socket is closed with 4429 before any frame."""
    b = limited_server
    opened = [await FeedClient.connect(f"{b.ws_url}/ws/wall/{event.slug}") for _ in range(4)]
    for client in opened:
        await client.next("snapshot")
    extra = await websockets.connect(f"{b.ws_url}/ws/wall/{event.slug}")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await extra.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
    for client in opened:
        await client.close()


async def test_every_page_has_a_strict_csp(app_client: httpx.AsyncClient,
                                           event: EventFixture) -> None:
    """Pages and API answers carry a CSP without unsafe-inline, and nosniff."""
    for path in (f"/e/{event.slug}", f"/wall/{event.slug}", "/healthz", "/e/unknown"):
        res = await app_client.get(path)
        csp = res.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'self'" in csp
        assert res.headers["x-content-type-options"] == "nosniff"


async def test_frame_ancestors_is_configurable(redis_url: str, event: EventFixture) -> None:
    """CLAMEUR_FRAME_ANCESTORS lets a streaming overlay embed the wall."""
    env = {"CLAMEUR_FRAME_ANCESTORS": "https://overlay.example"}
    async with InProcessApp(redis_url, env) as app, app.client() as client:
        res = await client.get(f"/wall/{event.slug}")
    assert "frame-ancestors https://overlay.example" in res.headers["content-security-policy"]


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"}])
async def test_cross_site_posts_are_refused(app_client: httpx.AsyncClient,
                                            event: EventFixture, redis: Redis,
                                            headers: dict[str, str]) -> None:
    """A post from a foreign page (Origin or Sec-Fetch-Site) is 403 and stores nothing."""
    res = await app_client.post(f"/api/events/{event.slug}/posts", json={"text": "csrf"},
                                headers=headers)
    assert res.status_code == 403 and res.json()["error"] == "foreign_origin"
    assert await redis.hlen(keys.items(event.slug)) == 0


async def test_same_origin_posts_are_accepted(app_client: httpx.AsyncClient,
                                              event: EventFixture) -> None:
    """The audience page's own origin may post."""
    origin = str(app_client.base_url).rstrip("/")
    res = await app_client.post(f"/api/events/{event.slug}/posts", json={"text": "chez moi"},
                                headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
    assert res.status_code == 202


async def test_foreign_origin_websocket_is_refused(limited_server: ServerProcess,
                                                   event: EventFixture) -> None:
    """A WebSocket opened from a foreign page is refused at the handshake."""
    server = limited_server
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{server.ws_url}/ws/wall/{event.slug}",
                                 origin="https://evil.example")  # type: ignore[arg-type]
    ok = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}",
                                  origin=server.url)  # type: ignore[arg-type]
    await ok.next("snapshot")
    await ok.close()
