"""Taken down means gone: after a retract no public frame returns the text, from any feed
position; and no public frame carries a device id (or anything derived from it)."""

from __future__ import annotations

import json

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved, decide
from tests.support.servers import ServerProcess
from wall.store import keys

SECRET = "Texte retiré du mur : ne doit plus jamais sortir"


async def _frames_until(client: FeedClient, item_id: str) -> list[str]:
    """Every frame (as sent) until the `item` frame of `item_id`, which ends the replay."""
    out = []
    while True:
        frame = await client.next()
        out.append(json.dumps(frame, ensure_ascii=False))
        if frame["type"] == "item" and frame["item"]["id"] == item_id:
            return out


async def test_after_a_retract_no_replay_from_any_position_returns_the_text(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture,
        redis: Redis) -> None:
    """approve → pin → highlight → retract: walls and phones resuming from 0-0 and from
    every position the feed holds (the last included) get no frame with the text, and
    neither does a snapshot; the feed stream itself holds only ids."""
    kept = await approved(http, event.slug, "Reste sur le mur", event.token)
    gone = await approved(http, event.slug, SECRET, event.token)
    for action in ("pin", "highlight", "retract"):
        assert (await decide(http, event.slug, gone, action, event.token)).status_code == 200
    assert (await decide(http, event.slug, kept, "pin", event.token)).status_code == 200

    entries = await redis.xrange(keys.feed(event.slug))
    assert [f["type"] for _, f in entries] == ["item", "item", "pin", "highlight", "retract",
                                               "pin"]
    assert not any(SECRET in json.dumps(fields, ensure_ascii=False) for _, fields in entries)
    positions = ["0-0", *[position for position, _ in entries]]
    clients = [await FeedClient.connect(f"{server.ws_url}/ws/{kind}/{event.slug}?after={p}")
               for p in positions for kind in ("wall", "audience")]
    fresh = [await FeedClient.connect(f"{server.ws_url}/ws/{kind}/{event.slug}")
             for kind in ("wall", "audience")]
    for client in fresh:
        # Their snapshot first: one read after the marker's approval would hold the marker
        # itself, and no `item` frame of it would follow.
        await client.next("snapshot")
    marker = await approved(http, event.slug, "Fin de la reprise", event.token)
    for client in clients + fresh:
        await _frames_until(client, marker)
        frames = [json.dumps(frame, ensure_ascii=False) for frame in client.received]
        assert not any(SECRET in frame for frame in frames), frames
        await client.close()
    snapshots = [f for c in fresh for f in c.received if f["type"] == "snapshot"]
    assert len(snapshots) == 2
    assert all(s["pinned"]["id"] == kept and [i["id"] for i in s["items"]] == [kept]
               for s in snapshots)
    # A replay from the start still says what the wall must drop.
    replayed = clients[0].received
    assert ("retract", gone) in [(f["type"], f.get("id")) for f in replayed]
    assert [f["item"]["id"] for f in replayed if f["type"] == "item"] == [kept, marker]


async def test_no_public_frame_carries_the_device_id_and_posts_are_stored_once_per_device(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """A phone's posts reach snapshots, item, pin and replay frames without its device id
    or author key; a resend (same client id) is stored once, another phone's same client
    id is another post."""
    base = server.url
    async with httpx.AsyncClient(base_url=base) as phone, \
            httpx.AsyncClient(base_url=base) as other, \
            httpx.AsyncClient(base_url=base, timeout=10) as http:
        first = await phone.post(f"/api/events/{event.slug}/posts",
                                 json={"text": "Premier message", "source_id": "abc-1"})
        cookie = phone.cookies.get("clameur_device")
        assert first.status_code == 202 and cookie
        device = cookie.rsplit(".", 1)[0]
        again = await phone.post(f"/api/events/{event.slug}/posts",
                                 json={"text": "Premier message", "source_id": "abc-1"})
        second = await phone.post(f"/api/events/{event.slug}/posts",
                                  json={"text": "Second message", "source_id": "abc-2"})
        elsewhere = await other.post(f"/api/events/{event.slug}/posts",
                                     json={"text": "Premier message", "source_id": "abc-1"})
        ids = {r.json()["id"] for r in (first, again, second, elsewhere)}
        assert again.json()["id"] == first.json()["id"] and len(ids) == 3
        assert await redis.hlen(keys.items(event.slug)) == 3

        wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
        await wall.next("snapshot")
        one, two = first.json()["id"], second.json()["id"]
        for item_id, action in ((one, "approve"), (two, "approve"), (one, "pin")):
            res = await decide(http, event.slug, item_id, action, event.token)
            assert res.status_code == 200
        live = [await wall.next() for _ in range(3)]
        assert [f["type"] for f in live] == ["item", "item", "pin"]
        assert live[0]["item"]["source_id"] == "abc-1"  # the phone's own post id, no more
        replay = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}?after=0-0")
        replayed = [await replay.next() for _ in range(3)]
        snaps = []
        for kind in ("wall", "audience"):
            client = await FeedClient.connect(f"{server.ws_url}/ws/{kind}/{event.slug}")
            snaps.append(await client.next("snapshot"))
            await client.close()
    author_key = json.loads(await redis.hget(keys.items(event.slug), one))["author_key"]
    assert author_key and device not in author_key
    sent = json.dumps([*live, *replayed, *snaps])
    assert [f["type"] for f in replayed] == ["item", "item", "pin"]
    assert snaps[0]["pinned"]["id"] == one and len(snaps[0]["items"]) == 2
    assert device not in sent and author_key not in sent
    assert author_key.split(":", 1)[1] not in sent
    await wall.close()
    await replay.close()
