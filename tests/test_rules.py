"""Automatic moderation rules: banned/trusted authors, links, FR+EN blocklists, allow-list."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.clients import post
from wall.models import Event, Item, new_item_id, utc_now_iso
from wall.moderation.rules import content_verdict, remove_links
from wall.store import keys


def item(text: str, author: str = "") -> Item:
    return Item(id=new_item_id(), event="e", source="web", source_id="s", author=author,
                text=text, received_at=utc_now_iso())


@pytest.mark.parametrize("text, rule", [
    ("Quel CONNARD ce maire", "blocklist:connard"),
    ("what a bitch", "blocklist:bitch"),
    ("Le débat est passionnant", None),
    ("Il faut bosser ensemble", None),  # allowed for this event below
    ("Assistant de classe", None),
])
def test_blocklist_rejects_french_and_english_words(text: str, rule: str | None) -> None:
    """Blocked words are found whatever their case or accents; allowed words are not."""
    event = Event(slug="e", title="t", allowed_words=["bosser"])
    verdict = content_verdict(event, item(text))
    assert (verdict.rule if verdict else None) == rule


def test_event_words_extend_the_list_and_blocklist_can_be_off() -> None:
    """An event adds its own words; with the list off only its own words count."""
    event = Event(slug="e", title="t", blocklist="off", blocked_words=["Tartempion"])
    assert content_verdict(event, item("connard")) is None
    verdict = content_verdict(event, item("vive TARTEMPION"))
    assert verdict is not None and verdict.rule == "blocklist:tartempion"


def test_blocked_word_in_the_author_name_counts() -> None:
    """A nickname is shown too: a blocked word there is rejected like in the text."""
    verdict = content_verdict(Event(slug="e", title="t"), item("bonjour", author="connard"))
    assert verdict is not None


def test_links_can_be_blocked_or_removed() -> None:
    """links=block rejects a message with a link; links=remove replaces each link by a mark."""
    blocked = content_verdict(Event(slug="e", title="t", links="block"),
                              item("voir https://spam.example/x"))
    assert blocked is not None and blocked.rule == "links-blocked"
    assert remove_links("go www.spam.fr now") == "go 🔗 now"


async def test_blocklisted_post_is_rejected_with_its_rule_recorded(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """A post with a blocked word is rejected by the rule, recorded in the audit stream."""
    ev = await make_event(redis)
    res = await post(http, ev.slug, "Espèce de CONNARD")
    assert res.status_code == 202 and res.json()["status"] == "pending"  # no hint to trolls
    assert await redis.hget(keys.state(ev.slug), res.json()["id"]) == "rejected"
    audit = await redis.xrange(keys.audit(ev.slug))
    assert audit[-1][1]["rule"] == "blocklist:connard" and audit[-1][1]["by"] == "rules"


async def test_links_removed_event_stores_the_text_without_links(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """With links=remove the stored and shown text has a mark in place of the link."""
    ev = await make_event(redis, links="remove")
    res = await post(http, ev.slug, "Programme : https://mairie.example/debat")
    body = await redis.hget(keys.items(ev.slug), res.json()["id"])
    assert body is not None and "https://" not in body and "🔗" in body


async def test_banned_author_is_rejected_and_trusted_author_approved(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """Ban and trust apply to the author's next posts, each with its rule."""
    ev = await make_event(redis)
    first = (await post(http, ev.slug, "premier")).json()["id"]
    auth = {"Authorization": f"Bearer {ev.token}"}
    res = await http.post(f"/api/events/{ev.slug}/items/{first}/author",
                          json={"flag": "trusted", "on": True}, headers=auth)
    assert res.status_code == 200
    assert (await post(http, ev.slug, "deuxième")).json()["status"] == "approved"
    await http.post(f"/api/events/{ev.slug}/items/{first}/author",
                    json={"flag": "banned", "on": True}, headers=auth)
    third = (await post(http, ev.slug, "troisième")).json()["id"]
    assert await redis.hget(keys.state(ev.slug), third) == "rejected"
    rules = [f["rule"] for _, f in await redis.xrange(keys.audit(ev.slug))]
    assert rules == ["trusted-author", "banned-author"]
