"""The server side of the desk: overview, rules, author history, mode switch, presence."""

from __future__ import annotations

import asyncio

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.clients import FeedClient, decide
from tests.support.desk import post_as
from tests.support.servers import ServerProcess
from tests.support.timing import timeout


async def test_desk_overview_shows_counters_and_what_the_wall_shows(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """`GET /desk`: event (and its time zone), moderator, counts, and pinned/highlighted/recent
    wall items."""
    a, b, c, d = [await post_as(server.url, event.slug, f"m{n}", f"P{n}") for n in range(4)]
    for item, action in ((a, "approve"), (b, "approve"), (a, "pin"), (b, "highlight"),
                         (c, "reject")):
        assert (await decide(http, event.slug, item, action, event.token)).status_code == 200
    res = await http.get(f"/api/events/{event.slug}/desk", headers=event.auth)
    assert res.status_code == 200
    body = res.json()
    assert body["event"] == {"slug": event.slug, "title": f"Test {event.slug}", "mode": "pre",
                             "status": "open", "timezone": "Europe/Paris"}
    assert (body["moderator"], body["role"]) == ("alice", "moderator")
    counters = body["counters"]
    assert (counters["pending"], counters["approved"], counters["rejected"]) == (1, 2, 1)
    wall = body["wall"]
    assert wall["pinned"]["id"] == a and wall["highlighted"]["id"] == b
    assert [i["id"] for i in wall["recent"]] == [b, a] and wall["count"] == 2
    assert d not in {i["id"] for i in wall["recent"]}


async def test_desk_routes_need_a_token_of_the_event(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """No token: 401; a token of another event: 403."""
    other = await make_event(redis)
    assert (await http.get(f"/api/events/{event.slug}/desk")).status_code == 401
    res = await http.get(f"/api/events/{event.slug}/rules", headers=other.auth)
    assert res.status_code == 403


async def test_rules_lists_automatic_decisions_with_the_rule(
        http: httpx.AsyncClient, server: ServerProcess, redis: Redis) -> None:
    """`GET /rules`: items decided by rules, newest first, with rule and current state."""
    event = await make_event(redis, mode="post")
    first = await post_as(server.url, event.slug, "un", "A")
    second = await post_as(server.url, event.slug, "deux", "B")
    assert (await decide(http, event.slug, first, "retract", event.token)).status_code == 200
    res = await http.get(f"/api/events/{event.slug}/rules", headers=event.auth)
    rows = res.json()["items"]
    assert [(r["item"]["id"], r["rule"], r["action"], r["state"]) for r in rows] == [
        (second, "post-moderation", "approve", "approved"),
        (first, "post-moderation", "approve", "retracted")]


async def test_author_history_counts_decisions_and_flags(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """`GET /items/{id}/author`: approved and rejected counts, banned, trusted."""
    async with httpx.AsyncClient(base_url=server.url) as phone:
        ids = [await post_as(server.url, event.slug, f"t{n}", "Ana", device=phone)
               for n in range(3)]
    await decide(http, event.slug, ids[0], "approve", event.token)
    await decide(http, event.slug, ids[1], "reject", event.token)
    await http.post(f"/api/events/{event.slug}/items/{ids[2]}/author",
                    json={"flag": "trusted", "on": True}, headers=event.auth)
    res = await http.get(f"/api/events/{event.slug}/items/{ids[2]}/author", headers=event.auth)
    assert res.json() == {"known": True, "approved": 1, "rejected": 1, "banned": False,
                          "trusted": True}
    missing = await http.get(f"/api/events/{event.slug}/items/nope/author", headers=event.auth)
    assert missing.status_code == 404


async def test_mode_switch_is_for_admins_only(http: httpx.AsyncClient,
                                              event: EventFixture) -> None:
    """`PUT /mode`: a moderator gets 403, a bad mode 422, an admin switches it."""
    url = f"/api/events/{event.slug}/mode"
    assert (await http.put(url, json={"mode": "post"}, headers=event.auth)).status_code == 403
    bad = await http.put(url, json={"mode": "chaos"}, headers=event.admin_auth)
    assert bad.status_code == 422
    ok = await http.put(url, json={"mode": "post"}, headers=event.admin_auth)
    assert ok.status_code == 200 and ok.json() == {"slug": event.slug, "mode": "post"}
    desk = await http.get(f"/api/events/{event.slug}/desk", headers=event.auth)
    assert desk.json()["event"]["mode"] == "post"


async def test_moderator_sockets_are_counted_online_and_pushed_counters(
        server: ServerProcess, event: EventFixture) -> None:
    """Each /ws/moderate socket counts as online; counters frames follow the count."""
    url = f"{server.ws_url}/ws/moderate/{event.slug}?token={event.token}"
    first = await FeedClient.connect(url)
    assert (await first.next("queue"))["moderator"] == "alice"
    second = await FeedClient.connect(url)

    async def counters_until(client: FeedClient, online: int) -> dict[str, object]:
        async def scan() -> dict[str, object]:
            while (frame := await client.next("counters"))["moderators"] != online:
                pass
            return frame
        return await asyncio.wait_for(scan(), timeout(10))

    frame = await counters_until(first, 2)
    assert frame["mode"] == "pre" and frame["pending"] == 0
    await second.close()
    await counters_until(first, 1)
    await first.close()


async def test_counters_report_reactions_per_minute(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """Taps from the audience show up in the counters' reactions per minute."""
    desk = await FeedClient.connect(
        f"{server.ws_url}/ws/moderate/{event.slug}?token={event.token}")
    await desk.next("queue")
    res = await http.post(f"/api/events/{event.slug}/reactions",
                          json={"counts": {"clap": 5, "heart": 2}})
    assert res.status_code == 202

    async def rate() -> int:
        while not (rpm := (await desk.next("counters"))["reactions_per_minute"]):
            pass
        return int(rpm)

    # Seven taps, counted in this minute (or, across a minute boundary, in the share of
    # the previous minute still inside the last 60 s).
    assert 0 < await asyncio.wait_for(rate(), timeout(10)) <= 7
    await desk.close()
