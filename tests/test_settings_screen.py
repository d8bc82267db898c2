"""Event settings from the desk: `PUT /api/events/{slug}/settings` checks every field first
and saves all or nothing; bad input gets a 422 naming each field, in French or English."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture
from wall.eventsettings import EDITABLE
from wall.store.events import get_event


def _admin(event: EventFixture, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {event.admin_token}", "Accept-Language": lang}


async def test_settings_save_every_field_at_once(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """A valid change of every editable field is saved in one go and read back."""
    body = {"title": "Conseil de quartier", "hashtags": ["cq20", "Belleville"],
            "sources": ["mastodon"], "mastodon_instances": ["Mastodon.Example"],
            "sms_number": "+33757000000", "sms_keyword": "mur", "languages": ["en", "fr"],
            "mode": "post", "reactions": ["clap", "heart"], "blocked_words": ["truc"],
            "allowed_words": ["con"], "theme": {"accent": "#1d4ed8", "dark": "0"},
            "links": "block", "status": "draft", "timezone": "America/Montreal"}
    res = await app_client.put(f"/api/events/{event.slug}/settings", headers=_admin(event),
                               json=body)
    assert res.status_code == 200, res.text
    saved = await get_event(redis, event.slug)
    assert saved is not None
    assert (saved.title, saved.hashtags, saved.sources, saved.mastodon_instances) == \
        ("Conseil de quartier", ["cq20", "Belleville"], ["mastodon"], ["mastodon.example"])
    assert (saved.sms_number, saved.sms_keyword, saved.languages, saved.mode) == \
        ("+33757000000", "MUR", ["en", "fr"], "post")
    assert (saved.reactions, saved.blocked_words, saved.allowed_words, saved.links,
            saved.status) == (["clap", "heart"], ["truc"], ["con"], "block", "draft")
    assert saved.theme["accent"] == "#1d4ed8" and saved.timezone == "America/Montreal"


BAD: list[tuple[dict[str, Any], str, str, str]] = [
    ({"theme": {"accent": "blue"}}, "theme.accent", "not a colour: blue",
     "ce n'est pas une couleur : blue"),
    ({"theme": {"background": "#ffffff", "text": "#eeeeee", "dark": "0"}}, "theme",
     "hard to read", "difficiles à lire"),
    ({"sources": ["x", "myspace"]}, "sources", "unknown source: myspace",
     "source inconnue : myspace"),
    ({"sms_number": "06 12 34 56 78"}, "sms_number", "E.164", "E.164"),
    ({"hashtags": ["#cq20"]}, "hashtags", "without # and without spaces: #cq20",
     "sans # et sans espace : #cq20"),
    ({"hashtags": ["conseil quartier"]}, "hashtags", "without #", "sans #"),
    ({"title": " "}, "title", "1 to 120", "1 à 120"),
    ({"languages": ["de"]}, "languages", "fr, en or both", "fr, en ou les deux"),
    ({"mode": "later"}, "mode", "must be one of: pre, post", "doit être l'un de : pre, post"),
    ({"links": "maybe"}, "links", "allow, remove, block", "allow, remove, block"),
    ({"sms_keyword": "two words"}, "sms_keyword", "one word", "un seul mot"),
    ({"mastodon_instances": ["not a host"]}, "mastodon_instances", "not a server name",
     "pas un nom de serveur"),
    ({"reactions": ["boo"]}, "reactions", "clap", "clap"),
    ({"blocked_words": "truc"}, "blocked_words", "list of texts", "liste de textes"),
    ({"colour": "#fff"}, "colour", "unknown setting", "réglage inconnu"),
    ({"timezone": "Europe/Pariss"}, "timezone", "unknown time zone: Europe/Pariss",
     "fuseau horaire inconnu : Europe/Pariss"),
]


@pytest.mark.parametrize(("body", "field", "english", "french"), BAD,
                         ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
async def test_bad_settings_get_a_422_per_field_in_both_languages(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis,
        body: dict[str, Any], field: str, english: str, french: str) -> None:
    """Each bad value is refused with a message naming its field, in English and French,
    and nothing of the request is saved — not even its valid fields."""
    before = await get_event(redis, event.slug)
    url = f"/api/events/{event.slug}/settings"
    for lang, expected in (("en", english), ("fr", french)):
        res = await app_client.put(url, headers=_admin(event, lang),
                                   json={"title": "Nouveau titre", **body}
                                   if field != "title" else body)
        assert res.status_code == 422, res.text
        detail = res.json()["detail"]
        assert [d["field"] for d in detail] == [field]
        assert expected in detail[0]["message"], detail
    assert await get_event(redis, event.slug) == before


async def test_several_bad_fields_are_all_named_and_only_admins_may_change(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """Every bad field is listed at once; a moderator token gets 403."""
    url = f"/api/events/{event.slug}/settings"
    res = await app_client.put(url, headers=_admin(event), json={
        "hashtags": ["a b"], "sms_number": "0612", "sources": ["fax"]})
    assert res.status_code == 422
    assert {d["field"] for d in res.json()["detail"]} == {"hashtags", "sms_number", "sources"}
    moderator = {"Authorization": f"Bearer {event.token}"}
    assert (await app_client.put(url, headers=moderator, json={"title": "x"})).status_code \
        == 403


async def test_get_gives_every_editable_field_to_admins_only(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """`GET .../settings` is what the desk's form starts from: every field the PUT takes."""
    url = f"/api/events/{event.slug}/settings"
    res = await app_client.get(url, headers=_admin(event))
    assert res.status_code == 200
    settings = res.json()["settings"]
    assert set(settings) == set(EDITABLE)
    assert settings["title"] == f"Test {event.slug}" and settings["frame_ancestors"] == ""
    assert settings["timezone"] == "Europe/Paris"
    moderator = {"Authorization": f"Bearer {event.token}"}
    assert (await app_client.get(url, headers=moderator)).status_code == 403


async def test_check_says_what_a_put_would_refuse_and_saves_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """`POST .../settings/check` gives the PUT's problems and the theme's lowest contrast
    (the desk shows them as typed); nothing is written."""
    before = await get_event(redis, event.slug)
    url = f"/api/events/{event.slug}/settings/check"
    res = await app_client.post(url, headers=_admin(event, "fr"), json={
        "title": "Autre", "theme": {"dark": "0", "background": "#ffffff", "text": "#eeeeee"}})
    assert res.status_code == 200
    found = res.json()
    assert found["contrast"] == 1.16 and found["needs"] == 4.5
    assert [d["field"] for d in found["detail"]] == ["theme"]
    said = found["detail"][0]["message"]
    # Every part in French, the colour pairs too (they were English inside a French sentence).
    assert said.startswith("certains textes seraient difficiles à lire : ")
    assert "le texte sur le fond de la page : #eeeeee sur #ffffff donne 1.16:1, il faut 4.5:1" \
        in said and " on " not in said and "needs" not in said
    good = await app_client.post(url, headers=_admin(event), json={
        "theme": {"dark": "0", "background": "#ffffff", "text": "#111111"}})
    assert good.json()["detail"] == [] and good.json()["contrast"] >= 4.5
    assert await get_event(redis, event.slug) == before


async def test_frame_ancestors_of_an_event_reach_its_wall_page_only(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """Sites named for an overlay are the wall page's frame-ancestors (one CSP header); the
    other pages keep the server's; a value that is not a CSP source is refused."""
    url = f"/api/events/{event.slug}/settings"
    bad = await app_client.put(url, headers=_admin(event), json={
        "frame_ancestors": "https://ok.example; script-src *"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "frame_ancestors"
    res = await app_client.put(url, headers=_admin(event), json={
        "frame_ancestors": "'self' https://obs.example.org"})
    assert res.status_code == 200, res.text
    wall = await app_client.get(f"/wall/{event.slug}")
    policies = wall.headers.get_list("content-security-policy")
    assert len(policies) == 1 and \
        policies[0].endswith("frame-ancestors 'self' https://obs.example.org")
    phone = await app_client.get(f"/e/{event.slug}")
    assert phone.headers.get_list("content-security-policy")[0].endswith(
        "frame-ancestors 'self'")
