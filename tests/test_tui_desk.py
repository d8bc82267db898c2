"""The moderation desk driven by its keys (Textual Pilot) against a real server and Redis."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.clients import FeedClient, decide
from tests.support.desk import post_as, queue_ids, running_desk, settle, shown_text, until
from tests.support.servers import ServerProcess
from wall.models import Item, utc_now_iso
from wall.moderation.intake import accept
from wall.store import keys
from wall.store.events import get_event


async def _wall(server: ServerProcess, slug: str) -> FeedClient:
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{slug}")
    await wall.next("snapshot")
    return wall


async def test_queue_lists_pending_items_oldest_first_with_details(
        server: ServerProcess, event: EventFixture) -> None:
    """Pending items show oldest first with source, author and text; detail shows history."""
    first = await post_as(server.url, event.slug, "Premier message, assez long pour être "
                          "replié sur plusieurs lignes dans la colonne de la file.", "Camille")
    second = await post_as(server.url, event.slug, "Deuxième", "Ana")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        assert queue_ids(app) == [first, second]
        lines = shown_text(app, "#queue")
        assert lines[0].startswith("  WEB · Camille · ")
        assert "replié sur plusieurs lignes" in lines[0]
        await until(app, pilot, lambda: len(app.session.model.authors) == 1)
        detail = str(app.query_one("#detail").render())
        assert "Premier message" in detail and "0 approved, 0 rejected" in detail
        header = str(app.query_one("#header").render())
        assert f"Test {event.slug}" in header and "connected" in header
        assert "pending 2" in header and "moderators 1" in header


async def test_approve_sends_the_item_to_the_wall(server: ServerProcess,
                                                  event: EventFixture) -> None:
    """`a` approves the highlighted item: it leaves the queue and reaches a wall socket."""
    item = await post_as(server.url, event.slug, "À montrer", "Camille")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        frame = await wall.next("item")
        assert frame["item"]["id"] == item and frame["item"]["text"] == "À montrer"
        assert queue_ids(app) == []
        await until(app, pilot, lambda: bool(app.session.model.wall.get("recent")))
        assert shown_text(app, "#wall")[0].endswith("À montrer")
    await wall.close()


async def test_reject_keeps_the_item_off_the_wall(server: ServerProcess, event: EventFixture,
                                                  redis: Redis) -> None:
    """`r` rejects: the item leaves the queue, its state is rejected, no feed entry."""
    item = await post_as(server.url, event.slug, "Non", "Troll")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert queue_ids(app) == []
    assert await redis.hget(keys.state(event.slug), item) == "rejected"
    assert await redis.xlen(keys.feed(event.slug)) == 0


async def test_take_down_retracts_from_the_wall_list(server: ServerProcess,
                                                     event: EventFixture) -> None:
    """`t` on the on-the-wall list retracts the item: the wall receives `retract`."""
    item = await post_as(server.url, event.slug, "Bientôt retiré", "Camille")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        await until(app, pilot, lambda: bool(app.session.model.wall.get("recent")))
        await pilot.press("tab")
        assert app.focused is app.query_one("#wall")
        await pilot.press("t")
        await settle(app, pilot)
        assert (await wall.next("retract"))["id"] == item
        await until(app, pilot, lambda: not app.session.model.wall.get("recent"))
    await wall.close()


async def test_pin_then_unpin(server: ServerProcess, event: EventFixture) -> None:
    """`p` on a pending item approves and pins it; `p` on the pinned item unpins it."""
    item = await post_as(server.url, event.slug, "À épingler", "Camille")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("p")
        await settle(app, pilot)
        assert (await wall.next("item"))["item"]["id"] == item
        assert (await wall.next("pin"))["item"]["id"] == item
        model = app.session.model
        await until(app, pilot, lambda: (model.wall.get("pinned") or {}).get("id") == item)
        assert "⚑ pinned" in shown_text(app, "#wall")[0]
        await pilot.press("tab", "p")
        await settle(app, pilot)
        assert (await wall.next("unpin"))["id"] == item
        await until(app, pilot, lambda: model.wall.get("pinned") is None)
    await wall.close()


async def test_wall_actions_update_the_wall_pane_without_rereading_the_desk(
        server: ServerProcess, event: EventFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin, highlight, take down: the pane follows the decision frames, no `GET /desk`."""
    item = await post_as(server.url, event.slug, "Sur le mur", "Camille")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        reads: list[str] = []
        read_desk = app.session.client.desk

        async def counted() -> dict[str, Any]:
            reads.append("desk")
            return await read_desk()

        monkeypatch.setattr(app.session.client, "desk", counted)
        await pilot.press("p")
        await settle(app, pilot)
        await until(app, pilot, lambda: (app.session.model.wall.get("pinned") or {}).get("id")
                    == item and app.session.model.wall.get("count") == 1)
        wall = app.session.model.wall
        assert [i["id"] for i in wall["recent"]] == [item]
        await pilot.press("tab", "h")
        await settle(app, pilot)
        await until(app, pilot,
                    lambda: (app.session.model.wall.get("highlighted") or {}).get("id") == item)
        await pilot.press("t")
        await settle(app, pilot)
        await until(app, pilot, lambda: app.session.model.wall.get("count") == 0)
        wall = app.session.model.wall
        assert wall["recent"] == [] and wall["pinned"] is None and wall["highlighted"] is None
        assert "On the wall now (0)" in str(app.query_one("#wall-title").render())
        assert reads == []


async def test_highlight_reaches_the_wall(server: ServerProcess, event: EventFixture) -> None:
    """`h` approves and highlights: the wall gets `highlight`, the pane marks the item."""
    item = await post_as(server.url, event.slug, "À souligner", "Camille")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("h")
        await settle(app, pilot)
        assert (await wall.next("highlight"))["id"] == item
        model = app.session.model
        await until(app, pilot,
                    lambda: (model.wall.get("highlighted") or {}).get("id") == item)
        assert "★ highlighted" in shown_text(app, "#wall")[0]
    await wall.close()


async def test_undo_reverts_an_approval_and_a_rejection(server: ServerProcess,
                                                        event: EventFixture,
                                                        redis: Redis) -> None:
    """`u` after `a` takes the item off the wall and back into the queue; `u` after `r`
    puts the item back in the queue too."""
    shown = await post_as(server.url, event.slug, "approuvé puis annulé", "A")
    hidden = await post_as(server.url, event.slug, "rejeté puis rétabli", "B")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("a", "u")
        await settle(app, pilot)
        assert (await wall.next("item"))["item"]["id"] == shown
        assert (await wall.next("retract"))["id"] == shown
        await until(app, pilot, lambda: shown in app.session.model.queue)
        assert queue_ids(app) == [shown, hidden]
        await pilot.press("r")
        await settle(app, pilot)
        assert len(queue_ids(app)) == 1
        await pilot.press("u")
        await settle(app, pilot)
        await until(app, pilot, lambda: len(app.session.model.queue) == 2)
        assert queue_ids(app) == [shown, hidden]
        await pilot.press("u")
        await settle(app, pilot)
        assert app.session.model.last_notice.text == "Nothing to undo."
    assert await redis.hget(keys.state(event.slug), shown) == "pending"
    assert await redis.hget(keys.state(event.slug), hidden) == "pending"
    await wall.close()


async def test_ban_rejects_the_item_and_the_authors_next_ones(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """`b` bans the author and rejects the item; their next post is rejected by the rules."""
    async with httpx.AsyncClient(base_url=server.url) as phone:
        first = await post_as(server.url, event.slug, "insulte", "Troll", device=phone)
        async with running_desk(server.url, event.slug, event.token) as (app, pilot):
            await pilot.press("b")
            await settle(app, pilot)
            assert await redis.hget(keys.state(event.slug), first) == "rejected"
            second = await post_as(server.url, event.slug, "encore", "Troll", device=phone)
            model = app.session.model
            await until(app, pilot, lambda: any(e.item["id"] == second for e in model.rules))
            assert second not in model.queue
            entry = next(e for e in model.rules if e.item["id"] == second)
            assert (entry.rule, entry.state) == ("banned-author", "rejected")
            await pilot.press("2")
            assert "rule: banned author" in shown_text(app, "#rules")[0]


async def test_trust_approves_the_item_and_the_authors_next_ones(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """`T` trusts the author and approves the item; their next post is approved at once."""
    async with httpx.AsyncClient(base_url=server.url) as phone:
        first = await post_as(server.url, event.slug, "bonne question", "Ana", device=phone)
        async with running_desk(server.url, event.slug, event.token) as (app, pilot):
            await pilot.press("T")
            await settle(app, pilot)
            assert await redis.hget(keys.state(event.slug), first) == "approved"
            second = await post_as(server.url, event.slug, "suite", "Ana", device=phone)
            assert await redis.hget(keys.state(event.slug), second) == "approved"
            await until(app, pilot, lambda: any(e.item["id"] == second and
                                                e.rule == "trusted-author"
                                                for e in app.session.model.rules))


async def test_space_selects_several_then_a_approves_them_all(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """`space` marks items; `a` approves exactly the marked ones, in queue order."""
    ids = [await post_as(server.url, event.slug, f"message {n}", f"P{n}") for n in range(3)]
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("space", "down", "space")
        assert app.session.model.selected == {ids[0], ids[2]}
        assert shown_text(app, "#queue")[0].startswith("◉ ")
        await pilot.press("a")
        await settle(app, pilot)
        got = [(await wall.next("item"))["item"]["id"] for _ in range(2)]
        assert got == [ids[0], ids[2]]
        assert queue_ids(app) == [ids[1]]
    states = await redis.hmget(keys.state(event.slug), ids)
    assert states == ["approved", "pending", "approved"]
    await wall.close()


async def test_filter_by_text_and_by_source(server: ServerProcess, event: EventFixture) -> None:
    """`/` filters the queue by words of text, author or source; Esc shows everything."""
    tram = await post_as(server.url, event.slug, "Et le tramway ?", "Ana")
    other = await post_as(server.url, event.slug, "Budget des écoles", "Léo")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("slash", *"TRAM")
        await pilot.pause()
        assert queue_ids(app) == [tram]
        await pilot.press("enter")
        assert app.focused is app.query_one("#queue")
        await pilot.press("a")
        await settle(app, pilot)
        assert other in app.session.model.queue and tram not in app.session.model.queue
        await pilot.press("slash", *"sms")
        await pilot.pause()
        assert queue_ids(app) == []
        assert "No item matches the filter." in str(app.query_one("#queue-empty").render())
        await pilot.press("escape")
        await pilot.pause()
        assert queue_ids(app) == [other]


async def test_text_is_shown_as_typed_never_as_markup(server: ServerProcess,
                                                      event: EventFixture) -> None:
    """Rich/Textual markup in a message is displayed literally."""
    item = await post_as(server.url, event.slug, "[red]rouge[/red] [link=http://x]clic[/link]",
                         "[b]")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        line = shown_text(app, "#queue")[0]
        assert "[red]rouge[/red] [link=http://x]clic[/link]" in line and "· [b] ·" in line
        async with httpx.AsyncClient(base_url=server.url) as other_desk:
            res = await decide(other_desk, event.slug, item, "reject", event.admin_token)
            assert res.status_code == 200
        await until(app, pilot, lambda: not app.session.model.queue)
        notice = str(app.query_one("#notice").render())
        assert notice == "«[red]rouge[/red] [link=http://x]clic[/l…» ([b]) rejected by root"


async def test_mode_switch_asks_first_and_needs_an_admin(server: ServerProcess,
                                                         event: EventFixture,
                                                         redis: Redis) -> None:
    """`m` asks; `n` changes nothing; `y` with an admin token switches; a moderator is told."""
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        await pilot.press("m", "n")
        await settle(app, pilot)
        assert await redis.hget(keys.meta(event.slug), "mode") == "pre"
        await pilot.press("m", "y")
        await settle(app, pilot)
        assert await redis.hget(keys.meta(event.slug), "mode") == "post"
        assert "mode: post" in str(app.query_one("#header").render())
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("m", "y")
        await settle(app, pilot)
        notice = app.session.model.last_notice
        assert notice and notice.text == "Only an admin token can switch the moderation mode."
    assert await redis.hget(keys.meta(event.slug), "mode") == "post"


async def test_rules_tab_shows_auto_approvals_and_allows_overturning(
        server: ServerProcess, redis: Redis) -> None:
    """In post-moderation the rules tab lists what was approved; `t` takes it down."""
    event = await make_event(redis, mode="post")
    item = await post_as(server.url, event.slug, "publié d'office", "Ana")
    wall = await _wall(server, event.slug)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        model = app.session.model
        await until(app, pilot, lambda: len(model.rules) == 1)
        await pilot.press("2")
        assert app.focused is app.query_one("#rules")
        text = shown_text(app, "#rules")[0]
        assert text.startswith(" APPROVED  rule: post-moderation") and "publié d'office" in text
        await pilot.press("t")
        await settle(app, pilot)
        assert (await wall.next("retract"))["id"] == item
        await until(app, pilot, lambda: model.rules[0].state == "retracted")
        await pilot.press("a")
        await settle(app, pilot)
        assert (await wall.next("item"))["item"]["id"] == item
        await until(app, pilot, lambda: model.rules[0].state == "approved")
    await wall.close()


async def test_help_screen_lists_the_keys_in_french(server: ServerProcess,
                                                    event: EventFixture) -> None:
    """`?` opens the help in the desk's language; Esc closes it."""
    async with running_desk(server.url, event.slug, event.token, lang="fr") as (app, pilot):
        assert "en attente 0" in str(app.query_one("#header").render())
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        keys_text = str(app.screen.query_one("#help-keys").render())
        assert "annuler votre dernière décision" in keys_text
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"


async def test_a_long_queue_lists_the_oldest_and_counts_the_rest(
        server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """Past 60 pending items the list shows the oldest 60 and says how many more wait."""
    found = await get_event(redis, event.slug)
    assert found is not None
    for n in range(63):
        await accept(redis, found, Item(id=f"{event.slug}-{n:02d}", event=event.slug,
                                        source="sms", source_id=f"s{n}", author=f"P{n}",
                                        text=f"message {n}", received_at=utc_now_iso()))
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        ids = queue_ids(app)
        assert len(ids) == 61 and ids[0] == f"{event.slug}-00" and ids[-1] == "None"
        assert shown_text(app, "#queue")[-1].startswith("… and 3 more")
        await pilot.press("a")
        await settle(app, pilot)
        assert shown_text(app, "#queue")[-1].startswith("… and 2 more")
        assert queue_ids(app)[0] == f"{event.slug}-01"


async def test_header_says_when_the_event_is_closed(server: ServerProcess,
                                                    redis: Redis) -> None:
    """A closed event is flagged in the header, so nobody wonders why nothing arrives."""
    event = await make_event(redis, status="closed")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await until(app, pilot, lambda: app.session.model.counters.get("status") == "closed")
        assert "event closed" in str(app.query_one("#header").render())
