"""Opening and closing an event: walls learn it live, every channel refuses once closed.

Walls and sockets listen to a real server; HTTP refusals alone are asked of the app
in-process (`app_client`)."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved, post
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.store.events import update_event


async def test_closing_sends_a_status_frame_with_the_totals(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """A connected wall receives {"type": "status", "status": "closed", totals, approved}."""
    await approved(http, event.slug, "merci à tous", event.token)
    await approved(http, event.slug, "à bientôt", event.token)
    res = await http.post(f"/api/events/{event.slug}/reactions", json={"kind": "clap",
                                                                      "count": 7})
    assert res.status_code == 202
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await wall.next("snapshot")
    assert snap["status"] == "open" and snap["approved"] == 2
    if snap["reactions"].get("clap") != 7:
        while (await wall.next("reactions"))["totals"].get("clap") != 7:
            pass
    await _cli(server, "event", "close", event.slug)
    frame = await wall.next("status")
    assert frame["status"] == "closed"
    assert frame["totals"] == {"clap": 7}
    assert frame["approved"] == 2
    assert frame["position"]
    await wall.close()


async def test_a_fresh_wall_on_a_closed_event_gets_the_status_in_its_snapshot(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """The snapshot says `closed`, so a wall opened after the end shows the thank-you."""
    await update_event(redis, event.slug, {"status": "closed"})
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await wall.next("snapshot")
    assert snap["status"] == "closed"
    await wall.close()


async def test_a_reconnecting_wall_replays_the_status_change(
        server: ServerProcess, event: EventFixture, redis: Redis, http: httpx.AsyncClient
) -> None:
    """`?after=` replays the status entry in order, like any feed entry."""
    item_id = await approved(http, event.slug, "avant la fin", event.token)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await wall.next("snapshot")
    await wall.close()
    assert [i["id"] for i in snap["items"]] == [item_id]
    await update_event(redis, event.slug, {"status": "closed"})
    await update_event(redis, event.slug, {"status": "open"})
    again = await FeedClient.connect(
        f"{server.ws_url}/ws/wall/{event.slug}?after={snap['position']}")
    first, second = await again.next(), await again.next()
    assert (first["type"], first["status"]) == ("status", "closed")
    assert (second["type"], second["status"]) == ("status", "open")
    await again.close()


async def test_unchanged_status_adds_no_feed_entry(event: EventFixture, redis: Redis) -> None:
    """Changing the title, or closing twice, announces nothing new."""
    from wall.store import keys

    await update_event(redis, event.slug, {"title": "Nouveau titre"})
    assert await redis.xlen(keys.feed(event.slug)) == 0
    await update_event(redis, event.slug, {"status": "closed"})
    await update_event(redis, event.slug, {"status": "closed"})
    assert await redis.xlen(keys.feed(event.slug)) == 1


async def test_closed_event_refuses_posts_and_reactions_over_http(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """POST posts and reactions answer 403 event_closed; a draft answers event_not_open."""
    await update_event(redis, event.slug, {"status": "closed"})
    res = await post(app_client, event.slug, "trop tard")
    assert res.status_code == 403 and res.json()["error"] == "event_closed"
    res = await app_client.post(f"/api/events/{event.slug}/reactions", json={"kind": "heart"})
    assert res.status_code == 403 and res.json()["error"] == "event_closed"
    await update_event(redis, event.slug, {"status": "draft"})
    res = await post(app_client, event.slug, "trop tôt")
    assert res.status_code == 403 and res.json()["error"] == "event_not_open"


async def test_audience_socket_refuses_reactions_once_closed(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """Taps sent on an open socket after the close get an error frame and are not counted."""
    audience = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}")
    await audience.next("snapshot")
    await audience.ws.send('{"type": "reactions", "counts": {"heart": 3}}')
    assert (await audience.next("reactions"))["totals"] == {"heart": 3}

    await update_event(redis, event.slug, {"status": "closed"})
    assert (await audience.next("status"))["status"] == "closed"
    await audience.ws.send('{"type": "reactions", "counts": {"heart": 50}}')
    refused = await audience.next("error")
    assert refused["error"] == "event_closed"

    await update_event(redis, event.slug, {"status": "open"})
    assert (await audience.next("status"))["status"] == "open"
    await audience.ws.send('{"type": "reactions", "counts": {"heart": 1}}')
    assert (await audience.next("reactions"))["totals"] == {"heart": 4}
    await audience.close()


async def _cli(server: ServerProcess, *args: str) -> str:
    env = {**os.environ, "REDIS_URL": server.redis_url or "", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "wall", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout(30))
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_admins_open_and_close_through_the_api(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """POST /status: 403 for a moderator, 422 for a bad value, 200 + a live frame for an admin."""
    url = f"/api/events/{event.slug}/status"
    res = await http.post(url, json={"status": "closed"}, headers=event.auth)
    assert res.status_code == 403
    res = await http.post(url, json={"status": "ended"}, headers=event.admin_auth)
    assert res.status_code == 422
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    res = await http.post(url, json={"status": "closed"}, headers=event.admin_auth)
    assert res.status_code == 200 and res.json()["status"] == "closed"
    assert (await wall.next("status"))["status"] == "closed"
    assert (await post(http, event.slug, "fermé ?")).status_code == 403
    await wall.close()
