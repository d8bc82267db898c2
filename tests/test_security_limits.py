"""Rate limits (shared through Redis), CSP headers, and cross-origin refusals."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient
from tests.support.servers import ServerProcess
from wall.store import keys

LIMITS = "post_device=3/60,post_ip=5/60,reaction_device=40/60,ws_connect_ip=4/60"


@pytest.fixture(scope="module")
def limited_servers(redis_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes with small limits sharing one Redis."""
    env = {"CLAMEUR_RATE_LIMITS": LIMITS}
    a = ServerProcess(redis_url=redis_url, env=env).start()
    b = ServerProcess(redis_url=redis_url, env=env).start()
    yield a, b
    a.stop()
    b.stop()


async def test_posts_past_the_device_limit_get_429_with_retry_after(
        limited_servers: tuple[ServerProcess, ServerProcess], event: EventFixture,
        redis: Redis) -> None:
    """The 4th post of one device in a minute is 429 with Retry-After, across processes."""
    a, b = limited_servers
    async with httpx.AsyncClient() as phone:
        codes = []
        for n, server in enumerate([a, b, a, b]):
            res = await phone.post(f"{server.url}/api/events/{event.slug}/posts",
                                   json={"text": f"message {n}"})
            codes.append(res.status_code)
        assert codes == [202, 202, 202, 429]
        assert 1 <= int(res.headers["retry-after"]) <= 60
        assert res.json()["error"] == "rate_limited"
    assert await redis.hlen(keys.items(event.slug)) == 3


async def test_ip_limit_catches_cookie_clearing(
        limited_servers: tuple[ServerProcess, ServerProcess], event: EventFixture) -> None:
    """A client dropping its device cookie each time still meets the per-address limit."""
    a, _ = limited_servers
    codes = []
    for n in range(7):
        async with httpx.AsyncClient() as fresh_phone:
            res = await fresh_phone.post(f"{a.url}/api/events/{event.slug}/posts",
                                         json={"text": f"spam {n}"})
            codes.append(res.status_code)
    assert codes[:5] == [202] * 5 and codes[5:] == [429, 429]


async def test_forged_device_cookie_is_not_trusted(
        limited_servers: tuple[ServerProcess, ServerProcess], event: EventFixture,
        redis: Redis) -> None:
    """An unsigned or tampered device cookie is replaced: nobody picks another's identity."""
    a, _ = limited_servers
    async with httpx.AsyncClient(cookies={"clameur_device": "victim-device-id"}) as forger:
        res = await forger.post(f"{a.url}/api/events/{event.slug}/posts", json={"text": "moi"})
    assert res.status_code == 202
    assert "clameur_device=" in res.headers["set-cookie"]  # a new, signed device id
    victim_key = "web:" + hmac.new(b"test-secret", b"victim-device-id",
                                   hashlib.sha256).hexdigest()[:20]
    body = json.loads(await redis.hget(keys.items(event.slug), res.json()["id"]) or "{}")
    assert body["author_key"].startswith("web:") and body["author_key"] != victim_key


async def test_reactions_past_the_limit_are_dropped_silently(
        limited_servers: tuple[ServerProcess, ServerProcess], event: EventFixture,
        redis: Redis) -> None:
    """Taps beyond the device budget answer 202 with nothing counted, never an error."""
    a, _ = limited_servers
    async with httpx.AsyncClient() as phone:
        first = await phone.post(f"{a.url}/api/events/{event.slug}/reactions",
                                 json={"counts": {"clap": 30}})
        second = await phone.post(f"{a.url}/api/events/{event.slug}/reactions",
                                  json={"counts": {"clap": 30}})
    assert first.status_code == second.status_code == 202
    assert first.json()["accepted"] == 30 and second.json()["accepted"] == 0
    wall = await FeedClient.connect(f"{a.ws_url}/ws/wall/{event.slug}")
    snap = await wall.next("snapshot")
    while snap["reactions"].get("clap", 0) < 30:  # the flush runs every 100 ms
        snap = await wall.next("reactions")
        snap = {"reactions": snap["totals"]}
    await wall.close()
    assert await redis.hget(keys.reactions(event.slug), "clap") == "30"


async def test_websocket_connects_are_rate_limited_per_address(
        limited_servers: tuple[ServerProcess, ServerProcess], event: EventFixture) -> None:
    """Past the connect budget a wall socket is closed with 4429 before any frame."""
    _, b = limited_servers
    opened = [await FeedClient.connect(f"{b.ws_url}/ws/wall/{event.slug}") for _ in range(4)]
    for client in opened:
        await client.next("snapshot")
    extra = await websockets.connect(f"{b.ws_url}/ws/wall/{event.slug}")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await extra.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
    for client in opened:
        await client.close()


async def test_every_page_has_a_strict_csp(http: httpx.AsyncClient, event: EventFixture) -> None:
    """Pages and API answers carry a CSP without unsafe-inline, and nosniff."""
    for path in (f"/e/{event.slug}", f"/wall/{event.slug}", "/healthz", "/e/unknown"):
        res = await http.get(path)
        csp = res.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'self'" in csp
        assert res.headers["x-content-type-options"] == "nosniff"


async def test_frame_ancestors_is_configurable(redis_url: str, event: EventFixture) -> None:
    """CLAMEUR_FRAME_ANCESTORS lets a streaming overlay embed the wall."""
    server = ServerProcess(redis_url=redis_url,
                           env={"CLAMEUR_FRAME_ANCESTORS": "https://overlay.example"}).start()
    try:
        async with httpx.AsyncClient() as client:
            res = await client.get(f"{server.url}/wall/{event.slug}")
        assert "frame-ancestors https://overlay.example" in res.headers["content-security-policy"]
    finally:
        server.stop()


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"}])
async def test_cross_site_posts_are_refused(http: httpx.AsyncClient, event: EventFixture,
                                            redis: Redis, headers: dict[str, str]) -> None:
    """A post from a foreign page (Origin or Sec-Fetch-Site) is 403 and stores nothing."""
    res = await http.post(f"/api/events/{event.slug}/posts", json={"text": "csrf"},
                          headers=headers)
    assert res.status_code == 403 and res.json()["error"] == "foreign_origin"
    assert await redis.hlen(keys.items(event.slug)) == 0


async def test_same_origin_posts_are_accepted(http: httpx.AsyncClient, server: ServerProcess,
                                              event: EventFixture) -> None:
    """The audience page's own origin may post."""
    res = await http.post(f"/api/events/{event.slug}/posts", json={"text": "chez moi"},
                          headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin"})
    assert res.status_code == 202


async def test_foreign_origin_websocket_is_refused(server: ServerProcess,
                                                   event: EventFixture) -> None:
    """A WebSocket opened from a foreign page is refused at the handshake."""
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{server.ws_url}/ws/wall/{event.slug}",
                                 origin="https://evil.example")  # type: ignore[arg-type]
    ok = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}",
                                  origin=server.url)  # type: ignore[arg-type]
    await ok.next("snapshot")
    await ok.close()
