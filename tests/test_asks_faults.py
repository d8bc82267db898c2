"""Votes through a Redis kill -9: every vote answered before the kill is there after the
restart (AOF), votes sent during the outage wait in the server and are stored (and only
then answered) once Redis is back — like taps, none lost, none counted twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_event
from tests.support.clients import FeedClient
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.identity import DEVICE_COOKIE, device_signer
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.store import keys


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A redis-server of this test's own, which the test kills."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


def phone(device: str) -> dict[str, str]:
    return {"Cookie": f"{DEVICE_COOKIE}={device_signer('test-secret').sign(device).decode()}"}


async def test_votes_survive_a_redis_kill_and_those_sent_meanwhile_are_stored_once(
        own_redis: EmbeddedRedis) -> None:
    """Three socket phones and four web phones vote; Redis is killed; the socket phones
    change their votes and a web phone votes during the outage; Redis restarts: each of
    those is answered only once stored, and the tally is each phone's last vote."""
    redis = connect(own_redis.url)
    ev = await make_event(redis)
    await redis.aclose()
    server = ServerProcess(redis_url=own_redis.url).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            res = await http.post(f"/api/events/{ev.slug}/polls", headers=ev.auth,
                                  json={"question": "Q ?", "options": ["a", "b", "c"]})
            poll_id = res.json()["id"]
            await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open", headers=ev.auth)
            sockets = []
            for n in range(3):
                ws = await FeedClient.connect(f"{server.ws_url}/ws/audience/{ev.slug}",
                                              additional_headers=phone(f"fault-{n}"))
                await ws.next("snapshot")
                await ws.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":0}}')
                assert (await ws.next("voted", "error"))["type"] == "voted"
                sockets.append(ws)
            web = [httpx.AsyncClient(base_url=server.url, timeout=30) for _ in range(4)]
            for client in web:
                res = await client.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                                        json={"option": 1})
                assert res.status_code == 202

            own_redis.stop(kill=True)
            for ws in sockets:
                await ws.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":2}}')
            late = asyncio.create_task(web[0].post(
                f"/api/events/{ev.slug}/polls/{poll_id}/votes", json={"option": 2}))
            await asyncio.sleep(1.0)  # the outage: nothing can be stored, nothing answered
            assert not late.done()
            for ws in sockets:
                assert not [f for f in ws.received if f["type"] == "voted"][1:]
            own_redis.start()
            assert (await asyncio.wait_for(late, timeout(15))).status_code == 202
            for ws in sockets:
                assert (await ws.next("voted", "error", limit=timeout(15)))["type"] == "voted"
                await ws.close()
            for client in web:
                await client.aclose()
        fresh = connect(own_redis.url)
        tally = await fresh.hgetall(keys.poll_tally(ev.slug, poll_id))
        assert {k: int(v) for k, v in tally.items() if int(v)} == {"1": 3, "2": 4}
        assert await fresh.hlen(keys.poll_ballots(ev.slug, poll_id)) == 7
        await fresh.aclose()
    finally:
        server.stop()
