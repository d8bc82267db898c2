"""From a phone to the wall: post, queue, decide, fan-out, replay — on real parts."""

from __future__ import annotations

import asyncio

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved, decide, post
from tests.support.servers import ServerProcess
from wall.store import keys


async def test_approved_post_reaches_a_connected_wall(http: httpx.AsyncClient,
                                                      server: ServerProcess,
                                                      event: EventFixture) -> None:
    """post → queue → approve → the wall WebSocket receives the item, text intact."""
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await wall.next("snapshot")
    assert snap["items"] == [] and snap["pinned"] is None

    res = await post(http, event.slug, "Bonjour <b>la salle</b> !", author="Camille")
    assert res.status_code == 202 and res.json()["status"] == "pending"
    item_id = res.json()["id"]

    queue = await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)
    assert [i["id"] for i in queue.json()["items"]] == [item_id]

    res = await decide(http, event.slug, item_id, "approve", event.token)
    assert res.status_code == 200 and res.json()["state"] == "approved"
    frame = await wall.next("item")
    assert frame["item"]["id"] == item_id
    assert frame["item"]["text"] == "Bonjour <b>la salle</b> !"
    assert frame["item"]["author"] == "Camille"
    assert "author_key" not in frame["item"]
    queue = await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)
    assert queue.json()["items"] == []
    await wall.close()


async def test_rejected_post_never_reaches_a_wall(http: httpx.AsyncClient,
                                                  server: ServerProcess,
                                                  event: EventFixture) -> None:
    """A rejected item is absent from the live feed and from a later snapshot."""
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    bad = (await post(http, event.slug, "à rejeter")).json()["id"]
    assert (await decide(http, event.slug, bad, "reject", event.token)).status_code == 200
    good = await approved(http, event.slug, "à montrer", event.token)
    frame = await wall.next("item")
    assert frame["item"]["id"] == good
    assert all(m.get("item", {}).get("id") != bad for m in wall.received)
    await wall.close()

    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await fresh.next("snapshot")
    assert [i["id"] for i in snap["items"]] == [good]
    await fresh.close()


async def test_two_concurrent_decisions_one_wins_one_conflicts(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Two moderators deciding one item at once: one 200, one 409 naming who decided."""
    item_id = (await post(http, event.slug, "un seul gagnant")).json()["id"]
    results = await asyncio.gather(
        decide(http, event.slug, item_id, "approve", event.token),
        decide(http, event.slug, item_id, "reject", event.admin_token),
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409]
    loser = next(r for r in results if r.status_code == 409).json()
    winner = next(r for r in results if r.status_code == 200).json()
    assert loser["decided_by"] == winner["by"]
    assert winner["by"] in loser["message"]
    feed = await redis.xrange(keys.feed(event.slug))
    assert len(feed) == (1 if winner["action"] == "approve" else 0)


async def test_many_concurrent_approvals_make_one_feed_entry(
        http: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Ten simultaneous approvals of one item: exactly one succeeds and one feed entry exists."""
    item_id = (await post(http, event.slug, "course")).json()["id"]
    results = await asyncio.gather(*[decide(http, event.slug, item_id, "approve", event.token)
                                     for _ in range(10)])
    assert sorted(r.status_code for r in results) == [200] + [409] * 9
    assert len(await redis.xrange(keys.feed(event.slug))) == 1


async def test_reconnect_with_after_gets_exactly_what_was_missed(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """A wall reconnecting with ?after= gets the N approvals it missed, in order, no snapshot."""
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await approved(http, event.slug, "avant", event.token)
    last = (await wall.next("item"))["position"]
    await wall.close()

    missed = [await approved(http, event.slug, f"manqué {n}", event.token) for n in range(7)]
    back = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}?after={last}")
    got = [await back.next() for _ in missed]
    assert [m["type"] for m in got] == ["item"] * 7
    assert [m["item"]["id"] for m in got] == missed
    later = await approved(http, event.slug, "après", event.token)
    frame = await back.next()
    assert frame["type"] == "item" and frame["item"]["id"] == later
    await back.close()


async def test_live_items_during_replay_are_neither_lost_nor_doubled(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """Approvals racing a reconnect arrive once each, in feed order."""
    first = await approved(http, event.slug, "zéro", event.token)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}?after=0-0")
    racing = asyncio.gather(*[approved(http, event.slug, f"course {n}", event.token)
                              for n in range(10)])
    ids = [first, *await racing]
    got = [await wall.next("item") for _ in ids]
    positions = [m["position"] for m in got]
    assert sorted(m["item"]["id"] for m in got) == sorted(ids)
    assert positions == sorted(positions, key=lambda p: tuple(map(int, p.split("-"))))
    await wall.close()


async def test_retract_pin_highlight_reach_the_wall(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """Retract, pin, unpin and highlight are fanned out as their own frames."""
    a = await approved(http, event.slug, "épinglé", event.token)
    b = await approved(http, event.slug, "retiré", event.token)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    for item_id, action in ((a, "pin"), (a, "highlight"), (b, "retract"), (a, "unpin")):
        assert (await decide(http, event.slug, item_id, action, event.token)).status_code == 200
    frames = [await wall.next() for _ in range(4)]
    assert [f["type"] for f in frames] == ["pin", "highlight", "retract", "unpin"]
    assert frames[0]["item"]["id"] == a and frames[2]["id"] == b
    res = await decide(http, event.slug, b, "pin", event.token)
    assert res.status_code == 409
    await wall.close()


async def test_duplicate_source_id_is_stored_once(server: ServerProcess,
                                                  event: EventFixture, redis: Redis) -> None:
    """The same post sent twice with one source_id (a retry) is stored once."""
    async with httpx.AsyncClient(base_url=server.url,
                                 cookies={"clameur_device": "device-0001"}) as phone:
        one = await phone.post(f"/api/events/{event.slug}/posts",
                               json={"text": "deux fois", "source_id": "abc-1"})
        two = await phone.post(f"/api/events/{event.slug}/posts",
                               json={"text": "deux fois", "source_id": "abc-1"})
    assert one.status_code == two.status_code == 202
    assert one.json()["id"] == two.json()["id"]
    assert await redis.xlen(keys.inbox(event.slug)) == 1
    assert await redis.hlen(keys.items(event.slug)) == 1


async def test_post_moderation_event_shows_posts_at_once(
        http: httpx.AsyncClient, server: ServerProcess, redis: Redis) -> None:
    """In post-moderation a post is approved by the rule and reaches the wall directly."""
    from tests.conftest import make_event

    ev = await make_event(redis, mode="post")
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{ev.slug}")
    await wall.next("snapshot")
    res = await post(http, ev.slug, "direct")
    assert res.json()["status"] == "approved"
    assert (await wall.next("item"))["item"]["id"] == res.json()["id"]
    audit = await redis.xrange(keys.audit(ev.slug))
    assert audit[0][1]["rule"] == "post-moderation" and audit[0][1]["by"] == "rules"
    await wall.close()


async def test_after_older_than_the_trimmed_feed_gets_a_snapshot_first(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture,
        redis: Redis) -> None:
    """A wall resuming from a position the capped feed no longer holds gets a fresh
    snapshot, then the live feed."""
    from wall.store.decisions import decide as store_decide

    first = await approved(http, event.slug, "ancien", event.token)
    old = (await redis.xrange(keys.feed(event.slug)))[0][0]
    ids = []
    for n in range(4):  # the store trims the feed to 2 entries here
        item_id = (await post(http, event.slug, f"récent {n}")).json()["id"]
        outcome = await store_decide(redis, event.slug, item_id, "approve", by="bob",
                                     feed_maxlen=2)
        assert outcome.status == "ok"
        ids.append(item_id)
    assert await redis.xlen(keys.feed(event.slug)) == 2
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}?after={old}")
    snap = await wall.next()
    assert snap["type"] == "snapshot"
    assert [i["id"] for i in snap["items"]] == [first, *ids]
    later = await approved(http, event.slug, "en direct", event.token)
    assert (await wall.next())["item"]["id"] == later
    await wall.close()
