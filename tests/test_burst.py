"""A room that scans the QR code at once, against a real `clameur serve` with its default
limits: 1,000 phones open the page and its socket within two seconds (half from addresses of
their own, half from ONE address, as behind a venue's NAT), and 500 phones post in the same
second. Every one is served: no 503, no 4429, no error, each post stored once.

Bounded: one server, 1,000 phones at most, each step under a timeout; everything opened is
closed. The figures (how long the burst took) are printed, never asserted: speed belongs in
benchmarks/.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.ratelimit import ROOM_SEATS
from wall.store import keys

PHONES = 1_000
POSTS = 500
SPREAD = 2.0  # seconds over which the phones start (everyone scans when the host says so)
SHARED_ADDRESS = "127.0.0.1"


def own_address(n: int) -> str:
    """A loopback address of phone n's own: Linux routes all of 127.0.0.0/8 to lo."""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


@pytest.fixture(scope="module")
def room_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real server with the default rate limits (the suite's servers turn them off)."""
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_RATE_LIMITS": ""}).start()
    yield proc
    proc.stop()


@dataclass
class Phone:
    address: str
    session: aiohttp.ClientSession

    @classmethod
    def at(cls, address: str) -> Phone:
        """A phone: its own connection(s) from `address`, and a cookie jar (loopback
        hosts are IP addresses, which aiohttp's default jar refuses)."""
        connector = aiohttp.TCPConnector(local_addr=(address, 0), limit=2)
        return cls(address, aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=timeout(30))))


async def open_page_and_socket(phone: Phone, server: ServerProcess, slug: str,
                               opened: list[aiohttp.ClientWebSocketResponse]) -> str:
    """GET the page (which sets the device cookie), then open the feed socket with it and
    read its snapshot; "ok" or what went wrong."""
    async with phone.session.get(f"{server.url}/e/{slug}") as page:
        await page.read()
        if page.status != 200:
            return f"page {page.status}"
    if not any(c.key == "clameur_device" for c in phone.session.cookie_jar):
        return "no device cookie"
    try:
        ws = await phone.session.ws_connect(f"{server.ws_url}/ws/audience/{slug}")
    except aiohttp.WSServerHandshakeError as exc:
        return f"handshake {exc.status}"
    opened.append(ws)
    msg = await ws.receive(timeout=timeout(30))
    if msg.type is aiohttp.WSMsgType.TEXT and json.loads(msg.data)["type"] == "snapshot":
        return "ok"
    return f"socket {msg.type.name} {ws.close_code}"


async def test_a_thousand_phones_open_page_and_socket_within_two_seconds_all_served(
        room_server: ServerProcess, redis: Redis) -> None:
    """1,000 phones, half from addresses of their own and half from one address, open the
    page and its socket within 2 s: every one gets its snapshot (no 503, no 4429); all
    1,000 are open at once, then all are closed."""
    ev = await make_event(redis)
    addresses = [own_address(n) if n % 2 else SHARED_ADDRESS for n in range(PHONES)]
    phones = [Phone.at(a) for a in addresses]
    opened: list[aiohttp.ClientWebSocketResponse] = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    took: list[float] = []

    async def one(n: int, phone: Phone) -> str:
        await asyncio.sleep(start + SPREAD * n / PHONES - loop.time())  # the room scans
        try:
            outcome = await open_page_and_socket(phone, room_server, ev.slug, opened)
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = f"{type(exc).__name__} {exc}"
        took.append(loop.time() - start)
        return outcome

    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(one(n, p) for n, p in enumerate(phones))), timeout(120))
        last = max(took)
        shared = Counter(o for a, o in zip(addresses, outcomes, strict=True)
                         if a == SHARED_ADDRESS)
        own = Counter(o for a, o in zip(addresses, outcomes, strict=True)
                      if a != SHARED_ADDRESS)
        print(f"\n{PHONES} phones (page + socket) started over {SPREAD:.1f} s: the last "
              f"snapshot after {last:.2f} s; one address: {dict(shared)}; "
              f"own addresses: {dict(own)}")
        assert shared == {"ok": PHONES // 2} and own == {"ok": PHONES // 2}
        assert len(opened) == PHONES and all(not ws.closed for ws in opened)
        assert PHONES <= ROOM_SEATS  # the room the defaults are sized for
    finally:
        closing = time.monotonic()
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
        await asyncio.gather(*(p.session.close() for p in phones), return_exceptions=True)
        print(f"closed {len(opened)} sockets in {time.monotonic() - closing:.2f} s")
    assert all(ws.closed and ws.close_code == 1000 for ws in opened)


async def test_five_hundred_posts_in_the_same_second_all_stored_once(
        room_server: ServerProcess, redis: Redis) -> None:
    """500 phones behind one address post in the same second: all 202, no error; each
    phone then resends its post (its answer lost): the same id, nothing stored twice."""
    ev = await make_event(redis)
    phones = [Phone.at(SHARED_ADDRESS) for _ in range(POSTS)]
    try:
        async def page(phone: Phone) -> int:  # the page sets the device cookie
            async with phone.session.get(f"{room_server.url}/e/{ev.slug}") as res:
                await res.read()
                return res.status

        assert set(await asyncio.gather(*(page(p) for p in phones))) == {200}

        async def send(n: int, phone: Phone) -> tuple[int, str]:
            body = {"text": f"message {n} de la salle", "source_id": f"post-{n}"}
            async with phone.session.post(f"{room_server.url}/api/events/{ev.slug}/posts",
                                          json=body) as res:
                answer = await res.json() if res.status == 202 else {}
                return res.status, answer.get("id", "")

        began = time.monotonic()
        first = await asyncio.wait_for(
            asyncio.gather(*(send(n, p) for n, p in enumerate(phones))), timeout(60))
        print(f"\n{POSTS} posts from one address answered in {time.monotonic() - began:.2f} s: "
              f"{dict(Counter(s for s, _ in first))}")
        again = await asyncio.wait_for(
            asyncio.gather(*(send(n, p) for n, p in enumerate(phones))), timeout(60))
    finally:
        await asyncio.gather(*(p.session.close() for p in phones), return_exceptions=True)
    assert Counter(s for s, _ in first) == {202: POSTS}
    assert again == first  # a resent post is the same post
    assert await redis.hlen(keys.items(ev.slug)) == POSTS
    assert await redis.zcard(keys.pending(ev.slug)) == POSTS
