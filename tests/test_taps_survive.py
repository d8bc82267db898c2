"""Reaction taps survive faults and count once: an HTTP `202 {"accepted": n}` means the n
taps are in Redis (a kill -9 loses none of them, a client's retry of the same batch id
counts once); a socket batch sent again after an ambiguous failure counts once; taps held
through a Redis outage keep their minute, within a bounded memory; one phone has one tap
budget however many sockets (and server processes) it uses."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Route
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.clients import FeedClient
from tests.support.replycutter import ReplyCutter
from tests.support.servers import ServerProcess
from tests.support.sources import eventually
from tests.support.timing import timeout
from wall.identity import DEVICE_COOKIE
from wall.live.reactions import ReactionCounter
from wall.ratelimit import RateLimiter
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.store import keys
from wall.store.reactions import Part, apply_batch


async def heart(redis: Redis, slug: str) -> int:
    return int(await redis.hget(keys.reactions(slug), "heart") or 0)


async def test_a_replayed_batch_id_counts_once(redis: Redis, event: EventFixture) -> None:
    """A process's batch sent twice (same id) is written once; its next batch is written;
    an older one arriving late is ignored."""
    parts = [Part(29_000_000, {"heart": 3, "clap": 1})]
    first = await apply_batch(redis, event.slug, "proc-a", 1, parts)
    again = await apply_batch(redis, event.slug, "proc-a", 1, parts)
    assert (first.replay, first.delta) == (False, {"heart": 3, "clap": 1})
    assert again.replay
    assert not (await apply_batch(redis, event.slug, "proc-a", 2, parts)).replay
    assert (await apply_batch(redis, event.slug, "proc-a", 1, parts)).replay
    assert not (await apply_batch(redis, event.slug, "proc-b", 1, parts)).replay
    assert await heart(redis, event.slug) == 9
    assert await redis.hget(keys.reactions_timeline(event.slug), "29000000|heart") == "9"
    assert await redis.xlen(keys.reactions_stream(event.slug)) == 3


async def test_an_http_batch_sent_again_counts_once(app_client: httpx.AsyncClient,
                                                     event: EventFixture, redis: Redis) -> None:
    """The same `batch` id posted twice: both answers say accepted 4, the total is 4."""
    body = {"counts": {"heart": 4}, "batch": secrets.token_hex(8)}
    answers = [await app_client.post(f"/api/events/{event.slug}/reactions", json=body)
               for _ in range(2)]
    assert [(a.status_code, a.json()) for a in answers] == [(202, {"accepted": 4})] * 2
    assert await heart(redis, event.slug) == 4
    bad = await app_client.post(f"/api/events/{event.slug}/reactions",
                                json={"counts": {"heart": 1}, "batch": "no spaces"})
    assert bad.status_code == 422 and "batch" in bad.text


async def test_a_batch_applied_but_whose_answer_was_lost_is_not_counted_twice(
        redis_url: str, redis: Redis, event: EventFixture) -> None:
    """Redis applies a batch but the answer never comes back (the proxy hangs up): the
    counter keeps the batch and sends it again once Redis answers; the taps count once."""
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    cutter = ReplyCutter(port)
    through = connect(f"redis://127.0.0.1:{await cutter.start()}/0")
    counter = ReactionCounter(through)
    try:
        await apply_batch(through, event.slug, "warm-up", 1, [])  # the script is loaded
        counter.offer(event.slug, {"heart": 5})
        cutter.cutting = True
        await counter.flush()  # applied by Redis, answer lost: kept for a resend
        assert cutter.cuts >= 1
        assert await heart(redis, event.slug) == 5
        cutter.cutting = False
        counter.offer(event.slug, {"heart": 2})  # arrives meanwhile: the next batch
        await counter.flush()
        await counter.flush()
        assert await heart(redis, event.slug) == 7
        assert await redis.xlen(keys.reactions_stream(event.slug)) == 2
    finally:
        await through.aclose()
        await cutter.close()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


async def test_taps_held_through_an_outage_keep_their_minute_within_a_bound(
        own_redis: EmbeddedRedis) -> None:
    """Redis down for three minutes of taps, two minutes may be held: the oldest minute is
    dropped and counted; the others land in their own minutes once Redis is back; while
    down, one device's taps are still limited (in memory)."""
    redis = connect(own_redis.url)
    ev = await make_event(redis)
    minute = 29_100_000
    clock = Clock(minute * 60 + 1)
    limiter = RateLimiter(redis, "reaction_device=100/60")
    counter = ReactionCounter(redis, limiter, max_held=2, clock=clock)
    try:
        counter.offer(ev.slug, {"heart": 1}, device="phone-a", ip="10.0.0.1")
        await counter.flush()  # written: this device has 99 left in its window
        own_redis.stop()
        counter.offer(ev.slug, {"heart": 3}, device="phone-b", ip="10.0.0.2")
        await counter.flush()  # the batch waits for Redis
        for step in (1, 2):
            clock.now += 60
            counter.offer(ev.slug, {"heart": 10 * step, "clap": 150},
                          device="phone-c", ip="10.0.0.3")
            await counter.flush()  # admitted here: 100 in phone-c's window, 50 dropped
        clock.now += 60
        counter.offer(ev.slug, {"clap": 7}, device="phone-d", ip="10.0.0.4")
        await counter.flush()
        assert counter.held_minutes() == 2 and counter.dropped == 100  # minute + 1 dropped

        own_redis.start()  # same port: the client reconnects by itself
        await counter.flush()  # the waiting batch (minute)
        await counter.flush()  # what was held (minute + 2, + 3)
        timeline = await redis.hgetall(keys.reactions_timeline(ev.slug))
        assert timeline == {f"{minute}|heart": "4", f"{minute + 2}|heart": "20",
                            f"{minute + 2}|clap": "80", f"{minute + 3}|clap": "7"}
        assert await redis.hgetall(keys.reactions(ev.slug)) == {"heart": "24", "clap": "87"}
    finally:
        await redis.aclose()


async def test_ten_sockets_of_one_phone_on_two_processes_share_one_budget(
        redis_url: str, redis: Redis) -> None:
    """A phone (one signed cookie) opens five audience sockets on each of two server
    processes and sends 30 taps on each: its budget of 30 a minute is counted once."""
    env = {"CLAMEUR_RATE_LIMITS": "reaction_device=30/60"}
    a = ServerProcess(redis_url=redis_url, env=env).start()
    b = ServerProcess(redis_url=redis_url, env=env).start()
    ev = await make_event(redis)
    try:
        async with httpx.AsyncClient(base_url=a.url) as http:
            page = await http.get(f"/e/{ev.slug}")
            cookie = page.cookies[DEVICE_COOKIE]
        headers = {"Cookie": f"{DEVICE_COOKIE}={cookie}"}
        sockets = [await FeedClient.connect(f"{server.ws_url}/ws/audience/{ev.slug}",
                                            additional_headers=headers)
                   for server in (a, b) for _ in range(5)]
        for sock in sockets:
            await sock.next("snapshot")
        for sock in sockets:
            await sock.ws.send('{"type": "reactions", "counts": {"heart": 30}}')
        for sock in sockets:
            await sock.close()

        async def all_closed() -> bool:
            # A closed socket has handed every frame it read to its process's counter.
            async with httpx.AsyncClient() as http:
                healths = [(await http.get(f"{s.url}/healthz")).json() for s in (a, b)]
            return all(h["connections"] == 0 for h in healths)

        await eventually(all_closed)
        # A marker from another phone on each process, offered after all those frames:
        # once both are written, every earlier tap was written too.
        for server in (a, b):
            marker = await FeedClient.connect(f"{server.ws_url}/ws/audience/{ev.slug}")
            await marker.next("snapshot")
            await marker.ws.send('{"type": "reactions", "counts": {"clap": 1}}')
            await marker.close()

        async def markers_in() -> bool:
            return await redis.hget(keys.reactions(ev.slug), "clap") == "2"

        await eventually(markers_in)
        assert await heart(redis, ev.slug) == 30
    finally:
        a.stop()
        b.stop()


@pytest.fixture
async def tapped_server(redis_url: str) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(redis_url=redis_url).start()
    yield server
    server.stop()


async def test_kill_9_during_tapping_totals_equal_what_the_server_acknowledged(
        tapped_server: ServerProcess, redis: Redis) -> None:
    """Eight phones tap over HTTP, each batch with its id, retried as it is until a 202
    comes; the server is killed (-9) mid-stream and started again: the total in Redis is
    exactly the sum of the `accepted` of every acknowledged batch."""
    ev = await make_event(redis)
    server = tapped_server
    acked: dict[str, int] = {}
    retried = 0
    done = asyncio.Event()

    async def phone(n: int) -> None:
        nonlocal retried
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout(5)) as http:
            for k in range(40):
                batch, body = f"p{n}-{k}", {"counts": {"heart": 1 + (n + k) % 5}}
                while True:
                    try:
                        res = await http.post(f"/api/events/{ev.slug}/reactions",
                                              json={**body, "batch": batch})
                    except httpx.HTTPError:
                        retried += 1
                        await asyncio.sleep(0.05)
                        continue
                    if res.status_code == 202:
                        acked[batch] = res.json()["accepted"]
                        break
                    retried += 1  # 503 while the process restarts
                    await asyncio.sleep(0.05)

    async def killer() -> None:
        while len(acked) < 60:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server.stop, 9)
        await asyncio.to_thread(server.start)
        done.set()

    await asyncio.wait_for(asyncio.gather(killer(), *(phone(n) for n in range(8))),
                           timeout(90))
    assert done.is_set() and retried >= 1 and len(acked) == 8 * 40
    total = await heart(redis, ev.slug)
    print(f"{len(acked)} batches acknowledged, {sum(acked.values())} taps; {retried} sends "
          f"retried across the kill; {total} taps in Redis")
    assert total == sum(acked.values())


async def test_the_phone_page_resends_an_unanswered_batch_that_counts_once(
        browser: Browser, server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """With no socket, the phone page taps over HTTP; the server applies its first batch but
    the answer is lost on the way back: the page resends that batch as it is (same id) and
    the taps count once."""
    page, log = await open_page(browser, f"{server.url}/e/{event.slug}", width=390,
                                height=844, wait=False)
    await page.route_web_socket("**/ws/audience/**", lambda ws: ws.close())
    bodies: list[dict[str, object]] = []

    async def lose_first_answer(route: Route) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            await route.fetch()  # the server counts it...
            await route.abort("connectionreset")  # ...and the answer never arrives
        else:
            await route.continue_()

    await page.route(f"**/api/events/{event.slug}/reactions", lose_first_answer)
    await page.goto(f"{server.url}/e/{event.slug}")
    button = page.locator('.react-btn[data-kind="heart"]')
    for _ in range(5):
        await button.click()

    async def resent() -> bool:
        return len(bodies) >= 2 and await heart(redis, event.slug) == 5

    await eventually(resent)
    assert bodies[0] == bodies[1]  # the same batch, id included
    assert isinstance(bodies[0]["batch"], str) and len(bodies[0]["batch"]) >= 8
    batches = {str(b["batch"]): b["counts"] for b in bodies}
    assert sum(c["heart"] for c in batches.values()) == 5  # type: ignore[index]
    assert await heart(redis, event.slug) == 5
    assert [e for e in log.problems() if "ERR_CONNECTION_RESET" not in e] == []

