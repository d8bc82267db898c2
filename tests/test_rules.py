"""Automatic moderation rules: banned/trusted authors, links, the FR+EN word list (held for a
moderator by default, reviewed insults rejected only by choice), allow-list."""

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
    ("Quel CONNARD ce maire", "wordlist:connard"),
    ("Espèce d'ENCULÉ", "wordlist:encule"),
    ("what a bitch", "wordlist:bitch"),
    ("Ferme ta gueule !", "wordlist:ferme ta gueule"),
    ("Le débat est passionnant", None),
    ("Il faut bosser ensemble", None),
    ("Une gerbe de fleurs", None),
    ("Mais quelle gueule de bois", None),
    ("Le pour et le con... contre", None),
    ("Assistant de classe", None),
    ("Le conseil municipal", "wordlist:conseil"),  # allowed for this event below: held
])
def test_word_list_holds_french_and_english_insults_whatever_case_or_accents(
        text: str, rule: str | None) -> None:
    """A listed word, whatever its case or accents, holds the item with the word named;
    ordinary words the dictionaries list (bosser, gerbe, gueule, con) do not."""
    event = Event(slug="e", title="t", blocked_words=["conseil", "mairie"],
                  allowed_words=["mairie"])
    verdict = content_verdict(event, item(text))
    assert (verdict.rule if verdict else None) == rule
    assert verdict is None or verdict.action == "hold"


def test_event_words_extend_the_list_and_the_list_can_be_off() -> None:
    """An event adds its own words; with the list off only its own words count."""
    event = Event(slug="e", title="t", blocklist="off", blocked_words=["Tartempion"])
    assert content_verdict(event, item("connard")) is None
    verdict = content_verdict(event, item("vive TARTEMPION"))
    assert verdict is not None and verdict.rule == "wordlist:tartempion"


def test_reject_mode_rejects_only_reviewed_insults_and_the_events_own_words() -> None:
    """wordlist=reject: a reviewed insult or an added word rejects; another word of the
    default list (not a reviewed insult) is still only held."""
    event = Event(slug="e", title="t", wordlist="reject", blocked_words=["tartempion"])
    insult = content_verdict(event, item("Bande de cons, va te faire foutre"))
    assert insult is not None and (insult.action, insult.rule) == (
        "reject", "wordlist:bande de cons")
    own = content_verdict(event, item("vive Tartempion"))
    assert own is not None and own.action == "reject"
    crude = content_verdict(event, item("une branlette"))  # listed, not an insult
    assert crude is not None and (crude.action, crude.rule) == ("hold", "wordlist:branlette")
    assert content_verdict(event, item("Il faut bosser ensemble")) is None


def test_listed_word_in_the_author_name_counts() -> None:
    """A nickname is shown too: a listed word there is held like in the text."""
    verdict = content_verdict(Event(slug="e", title="t"), item("bonjour", author="connard"))
    assert verdict is not None


def test_links_can_be_blocked_or_removed() -> None:
    """links=block rejects a message with a link; links=remove replaces each link by a mark."""
    blocked = content_verdict(Event(slug="e", title="t", links="block"),
                              item("voir https://spam.example/x"))
    assert blocked is not None and blocked.rule == "links-blocked"
    assert remove_links("go www.spam.fr now") == "go 🔗 now"


async def test_a_listed_word_holds_the_post_for_a_moderator_with_the_word_shown(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """By default a listed word never rejects: the post waits in the queue, even in
    post-moderation, carrying `held` with the word; nothing is decided by the rules."""
    ev = await make_event(redis, mode="post")
    res = await post(http, ev.slug, "Espèce de CONNARD")
    assert res.status_code == 202 and res.json()["status"] == "pending"
    held_id = res.json()["id"]
    assert await redis.hget(keys.state(ev.slug), held_id) == "pending"
    ordinary = await post(http, ev.slug, "Il faut bosser ensemble")
    assert ordinary.json()["status"] == "approved"
    queue = (await http.get(f"/api/events/{ev.slug}/queue", headers=ev.auth)).json()["items"]
    assert [(i["id"], i["held"]) for i in queue] == [(held_id, "wordlist:connard")]
    rules = [f["rule"] for _, f in await redis.xrange(keys.audit(ev.slug))]
    assert rules == ["post-moderation"]  # the held post has no rule decision


async def test_emoji_sequences_reach_the_queue_whole_and_a_joiner_splits_no_word(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """Emoji written with zero-width joiners (a rainbow flag, a family, a woman raising her
    hand) are stored and queued as sent; a joiner slipped inside a listed word still holds
    the post with the word named; joiners with nothing to join are dropped."""
    ev = await make_event(redis)
    sent = "Fierté 🏳️\u200d🌈, familles 👩\u200d👩\u200d👧 et moi 🙋\u200d♀️"
    kept = (await post(http, ev.slug, sent)).json()["id"]
    split = (await post(http, ev.slug, "Quel con\u200dnard")).json()["id"]
    stray = (await post(http, ev.slug, "\u200d Bonsoir \u200c")).json()["id"]
    queue = (await http.get(f"/api/events/{ev.slug}/queue", headers=ev.auth)).json()["items"]
    by_id = {i["id"]: i for i in queue}
    assert by_id[kept]["text"] == sent and by_id[kept]["held"] == ""
    assert by_id[split]["held"] == "wordlist:connard"
    assert by_id[stray]["text"] == "Bonsoir"


async def test_reject_mode_rejects_an_insult_with_its_rule_recorded(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """wordlist=reject: a reviewed insult is rejected by the rule, recorded in the audit
    stream, and reported to its author as pending (no hint to trolls)."""
    ev = await make_event(redis, wordlist="reject")
    res = await post(http, ev.slug, "Espèce de CONNARD")
    assert res.status_code == 202 and res.json()["status"] == "pending"
    assert await redis.hget(keys.state(ev.slug), res.json()["id"]) == "rejected"
    audit = await redis.xrange(keys.audit(ev.slug))
    assert audit[-1][1]["rule"] == "wordlist:connard" and audit[-1][1]["by"] == "rules"


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
