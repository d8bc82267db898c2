"""Undo puts things back: an approval undone returns the item to the queue (off every wall,
counts exact), a highlight undone removes it from walls and from the desk's wall pane."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.clients import FeedClient, approved, decide, post
from tests.support.desk import post_as, queue_ids, running_desk, settle, shown_text, until
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.models import Item, new_item_id, utc_now_iso
from wall.store import keys
from wall.store.decisions import counts
from wall.store.decisions import decide as store_decide
from wall.store.inbox import insert_item


async def _feed(server: ServerProcess, kind: str, slug: str) -> FeedClient:
    client = await FeedClient.connect(f"{server.ws_url}/ws/{kind}/{slug}")
    await client.next("snapshot")
    return client


async def _scanned(redis: Redis, slug: str) -> dict[str, int]:
    """The counts as a scan of every state would give them."""
    states = await redis.hvals(keys.state(slug))
    return {"pending": await redis.zcard(keys.pending(slug)),
            "approved": states.count("approved"), "rejected": states.count("rejected")}


async def test_unapprove_returns_the_item_to_the_queue_and_takes_it_off_every_wall(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture,
        redis: Redis) -> None:
    """approve → pin → unapprove: walls and phones get `retract`, moderators a decision to
    `pending`; the item is in `GET queue` again, in no snapshot, unpinned, counted pending."""
    wall = await _feed(server, "wall", event.slug)
    phone = await _feed(server, "audience", event.slug)
    desk = await FeedClient.connect(f"{server.ws_url}/ws/moderate/{event.slug}",
                                    additional_headers=event.auth)
    await desk.next("queue")
    item_id = await approved(http, event.slug, "approuvé par erreur", event.token)
    assert (await decide(http, event.slug, item_id, "pin", event.token)).status_code == 200
    assert (await wall.next("pin"))["item"]["id"] == item_id

    res = await decide(http, event.slug, item_id, "unapprove", event.token)
    assert res.status_code == 200 and res.json()["state"] == "pending"
    assert (await wall.next("retract"))["id"] == item_id
    assert (await phone.next("retract"))["id"] == item_id
    decided = await desk.next("decision")
    while decided["action"] != "unapprove":
        decided = await desk.next("decision")
    assert (decided["id"], decided["from"], decided["to"]) == (item_id, "approved", "pending")
    assert decided["item"]["text"] == "approuvé par erreur"

    queue = await http.get(f"/api/events/{event.slug}/queue", headers=event.auth)
    assert [i["id"] for i in queue.json()["items"]] == [item_id]
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    snap = await fresh.next("snapshot")
    assert snap["items"] == [] and snap["pinned"] is None
    assert await counts(redis, event.slug) == {"pending": 1, "approved": 0, "rejected": 0}
    assert await redis.zscore(keys.onwall(event.slug), item_id) is None
    # Back in the queue, it can be decided again like any pending item.
    assert (await decide(http, event.slug, item_id, "reject", event.token)).status_code == 200
    for client in (wall, phone, desk, fresh):
        await client.close()


async def test_unapprove_applies_only_to_an_approved_item(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """unapprove of a pending, rejected or taken-down item is a 409 naming who decided."""
    pending = (await post(http, event.slug, "en attente")).json()["id"]
    assert (await decide(http, event.slug, pending, "unapprove", event.token)).status_code == 409
    down = await approved(http, event.slug, "retiré", event.token)
    assert (await decide(http, event.slug, down, "retract", event.token)).status_code == 200
    res = await decide(http, event.slug, down, "unapprove", event.token)
    assert res.status_code == 409 and res.json()["state"] == "retracted"
    assert res.json()["decided_by"] == "alice"


async def test_counts_and_author_record_stay_exact_through_undone_decisions(
        redis: Redis, event: EventFixture) -> None:
    """Approve/unapprove, reject/restore, highlight/unhighlight in any order: the kept
    counts equal a scan after each one, and an author's record counts only what stands."""
    slug, author = event.slug, "web:undo000000000000001"
    ids = []
    for n in range(3):
        item = Item(id=new_item_id(), event=slug, source="web", source_id=f"c{n}",
                    author="Ana", text=f"message {n}", received_at=utc_now_iso(),
                    author_key=author)
        ids.append((await insert_item(redis, item)).id)
    a, b, c = ids
    steps = [(a, "approve", ""), (a, "highlight", ""), (a, "unhighlight", ""),
             (a, "unapprove", ""), (a, "unapprove", ""), (b, "reject", ""),
             (b, "restore", "rejected"), (b, "approve", ""), (c, "approve", ""),
             (c, "pin", ""), (c, "unapprove", ""), (a, "approve", "")]
    for item_id, action, expected in steps:
        await store_decide(redis, slug, item_id, action, by="alice", expected=expected)
        assert await counts(redis, slug) == await _scanned(redis, slug), (item_id, action)
    assert await counts(redis, slug) == {"pending": 1, "approved": 2, "rejected": 0}
    assert await redis.get(keys.pinned(slug)) is None
    record = await redis.hmget(keys.authors(slug), f"{author}|approved", f"{author}|rejected")
    assert record == ["2", "0"]


async def test_unhighlight_reaches_walls_and_the_desk_overview_drops_it(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """highlight then unhighlight: walls get an `unhighlight` frame; GET /desk shows no
    highlighted item; unhighlight of an item not on the wall is a 409."""
    item_id = await approved(http, event.slug, "souligné par erreur", event.token)
    wall = await _feed(server, "wall", event.slug)
    assert (await decide(http, event.slug, item_id, "highlight", event.token)).status_code == 200
    desk = (await http.get(f"/api/events/{event.slug}/desk", headers=event.auth)).json()
    assert desk["wall"]["highlighted"]["id"] == item_id
    assert (await decide(http, event.slug, item_id, "unhighlight",
                         event.token)).status_code == 200
    assert (await wall.next("highlight"))["id"] == item_id
    frame = await wall.next()
    assert (frame["type"], frame["id"]) == ("unhighlight", item_id)
    desk = (await http.get(f"/api/events/{event.slug}/desk", headers=event.auth)).json()
    assert desk["wall"]["highlighted"] is None
    assert [i["id"] for i in desk["wall"]["recent"]] == [item_id]  # still on the wall
    pending = (await post(http, event.slug, "pas sur le mur")).json()["id"]
    res = await decide(http, event.slug, pending, "unhighlight", event.token)
    assert res.status_code == 409
    await wall.close()


async def test_desk_undo_of_an_approval_puts_the_item_back_in_its_queue(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """`a` then `u` on the desk: the wall gets `item` then `retract`, the item is back in the
    desk's queue (and the API's), and the desk's wall pane no longer lists it."""
    item = await post_as(server.url, event.slug, "approuvé puis remis", "Camille")
    wall = await _feed(server, "wall", event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        model = app.session.model
        await pilot.press("a")
        await settle(app, pilot)
        await until(app, pilot, lambda: bool(model.wall.get("recent")))
        assert queue_ids(app) == []
        await pilot.press("u")
        await settle(app, pilot)
        assert (await wall.next("item"))["item"]["id"] == item
        assert (await wall.next("retract"))["id"] == item
        await until(app, pilot, lambda: item in model.queue and not model.wall.get("recent"))
        assert queue_ids(app) == [item]
        assert model.wall["count"] == 0
    assert await redis.hget(keys.state(event.slug), item) == "pending"
    assert await redis.zscore(keys.pending(event.slug), item) is not None
    await wall.close()


async def test_desk_undo_of_a_highlight_removes_it_from_walls_and_the_wall_pane(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """`h` on the wall list then `u`: the wall gets `highlight` then `unhighlight`; the item
    stays on the wall but the desk's pane no longer marks it highlighted."""
    item = await approved(http, event.slug, "souligné puis non", event.token)
    wall = await _feed(server, "wall", event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        model = app.session.model
        await until(app, pilot, lambda: bool(model.wall.get("recent")))
        await pilot.press("tab", "h")
        await settle(app, pilot)
        await until(app, pilot, lambda: (model.wall.get("highlighted") or {}).get("id") == item)
        assert any("★ highlighted" in line for line in shown_text(app, "#wall"))
        await pilot.press("u")
        await settle(app, pilot)
        assert (await wall.next("highlight"))["id"] == item
        assert (await wall.next("unhighlight"))["id"] == item
        await until(app, pilot, lambda: model.wall.get("highlighted") is None)
        assert not any("★ highlighted" in line for line in shown_text(app, "#wall"))
        assert [i["id"] for i in model.wall["recent"]] == [item]
    await wall.close()


@pytest.mark.browser
async def test_the_wall_drops_a_highlight_at_once_when_it_is_undone(
        browser: Browser, server: ServerProcess, http: httpx.AsyncClient,
        event: EventFixture) -> None:
    """In Chromium: highlight emphasises the card, unhighlight removes the emphasis at once
    (not after the highlight's 20 s)."""
    item_id = await approved(http, event.slug, "Mis en avant puis non", event.token)
    page, log = await open_page(browser, f"{server.url}/wall/{event.slug}")
    await expect(page.locator("#wall")).to_have_attribute("data-online", "1")
    card = page.locator(f'#items > .card[data-id="{item_id}"]')
    await expect(card).to_be_visible()
    assert (await decide(http, event.slug, item_id, "highlight", event.token)).status_code == 200
    await expect(card).to_have_class(_with("highlight"))
    assert (await decide(http, event.slug, item_id, "unhighlight",
                         event.token)).status_code == 200
    await expect(card).not_to_have_class(_with("highlight"), timeout=int(timeout(5) * 1000))
    await expect(card).to_be_visible()
    assert log.problems() == []


def _with(name: str) -> re.Pattern[str]:
    """Matches a class attribute that contains `name`."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")
