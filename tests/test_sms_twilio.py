"""Twilio inbound SMS on a real server: signatures, replies, commands, routing, privacy."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from tests.conftest import make_event
from tests.support.clients import FeedClient
from tests.support.servers import ServerProcess
from tests.support.sms import (
    PHONE,
    TWILIO_TOKEN,
    send_twilio,
    sid,
    sms_server,  # noqa: F401 - fixture
    twilio_form,
)
from tests.support.sources import inbox_items
from wall.store import keys

MODERATION_FR = "Merci ! Votre message sera affiché après modération."


@pytest.fixture
async def hooks(sms_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with httpx.AsyncClient(base_url=sms_server.url, timeout=10) as client:
        yield client


def message(response: httpx.Response) -> str | None:
    """The text of the TwiML <Message>, None for an empty <Response/>."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    body = response.text
    if "<Message>" not in body:
        assert body.endswith("<Response></Response>")
        return None
    return body.split("<Message>")[1].split("</Message>")[0]


async def everything_stored(redis: Redis, slug: str) -> str:
    """Every value of every key of the event, as one string (to look for a phone number)."""
    out: list[Any] = []
    async for key in redis.scan_iter(match=f"ev:{{{slug}}}:*"):
        kind = await redis.type(key)
        if kind == "hash":
            out.append(await redis.hgetall(key))
        elif kind == "stream":
            out.append(await redis.xrange(key))
        elif kind == "string":
            out.append(await redis.get(key))
        elif kind == "zset":
            out.append(await redis.zrange(key, 0, -1))
    return repr(out) + repr([k async for k in redis.scan_iter(match=f"ev:{{{slug}}}:*")])


async def test_signed_sms_is_stored_and_answered_in_french(hooks: httpx.AsyncClient,
                                                          redis: Redis) -> None:
    """A signed SMS becomes a pending item by "SMS ···78"; the reply is French TwiML."""
    ev = await make_event(redis, languages=["fr", "en"])
    res = await send_twilio(hooks, ev.slug, twilio_form("Bonjour à tous, merci !"))
    assert message(res) == MODERATION_FR
    (item,) = await inbox_items(redis, ev.slug)
    assert (item.source, item.author, item.text) == ("sms", "SMS ···78",
                                                     "Bonjour à tous, merci !")
    assert item.author_key and item.author_key.startswith("sms:")
    stored = await everything_stored(redis, ev.slug)
    assert "612345678" not in stored and "12345678" not in stored


async def test_english_sms_gets_an_english_reply(hooks: httpx.AsyncClient,
                                                 redis: Redis) -> None:
    """The reply follows the sender's language; with no clue, the event's first language."""
    ev = await make_event(redis, languages=["fr", "en"])
    res = await send_twilio(hooks, ev.slug, twilio_form("Thank you for this great talk"))
    assert message(res) == "Thanks! Your message will be shown after moderation."
    en_first = await make_event(redis, languages=["en", "fr"])
    res = await send_twilio(hooks, en_first.slug, twilio_form("42"))
    assert message(res) == "Thanks! Your message will be shown after moderation."
    res = await send_twilio(hooks, ev.slug, twilio_form("42"))
    assert message(res) == MODERATION_FR


async def test_post_moderated_event_says_the_message_is_on_the_wall(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """In post-moderation the item is approved at once and the reply says so."""
    ev = await make_event(redis, mode="post")
    res = await send_twilio(hooks, ev.slug, twilio_form("Bravo pour la soirée"))
    assert message(res) == "Merci ! Votre message est affiché sur le mur."


async def test_wrong_or_missing_signature_is_refused_and_nothing_stored(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """Wrong token, tampered body, missing header, another URL: 403 and an empty inbox."""
    ev = await make_event(redis)
    path = f"/hooks/twilio/{ev.slug}"
    wrong = await send_twilio(hooks, ev.slug, twilio_form("Salut"), token="not-the-token")
    assert wrong.status_code == 403
    res = await hooks.post(path, data=twilio_form("Salut"))
    assert res.status_code == 403 and res.json()["error"] == "bad_signature"
    signed = twilio_form("original")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{hooks.base_url}"
                                                                 .rstrip("/") + path, signed)
    tampered = {**signed, "Body": "tampered"}
    res = await hooks.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    assert res.status_code == 403
    other = await send_twilio(hooks, ev.slug, twilio_form("x"),
                              signed_url=f"https://elsewhere.example{path}")
    assert other.status_code == 403
    assert await inbox_items(redis, ev.slug) == []
    assert message(await send_twilio(hooks, ev.slug, signed)) == MODERATION_FR
    assert [i.text for i in await inbox_items(redis, ev.slug)] == ["original"]


async def test_a_retry_with_the_same_message_sid_is_stored_once(hooks: httpx.AsyncClient,
                                                                redis: Redis) -> None:
    """Twilio retries reuse MessageSid: three deliveries, one item, the same reply."""
    ev = await make_event(redis)
    form = twilio_form("Une seule fois", message_sid=sid())
    replies = [message(await send_twilio(hooks, ev.slug, form)) for _ in range(3)]
    assert replies == [MODERATION_FR] * 3
    assert [i.text for i in await inbox_items(redis, ev.slug)] == ["Une seule fois"]


async def test_stop_and_start_are_handled_and_never_shown(hooks: httpx.AsyncClient,
                                                          redis: Redis) -> None:
    """STOP/ARRET silence replies and are not stored; START brings replies back."""
    ev = await make_event(redis)
    assert message(await send_twilio(hooks, ev.slug, twilio_form("STOP"))) is None
    assert message(await send_twilio(hooks, ev.slug, twilio_form("Toujours là"))) is None
    assert message(await send_twilio(hooks, ev.slug, twilio_form("start"))) is None
    assert message(await send_twilio(hooks, ev.slug, twilio_form("De retour"))) == MODERATION_FR
    assert message(await send_twilio(hooks, ev.slug, twilio_form("Arrêt"))) is None
    texts = [i.text for i in await inbox_items(redis, ev.slug)]
    assert texts == ["Toujours là", "De retour"]


async def test_a_nickname_set_by_sms_signs_the_next_messages(hooks: httpx.AsyncClient,
                                                             redis: Redis) -> None:
    """`NOM Camille` is answered and not shown; later messages are by Camille."""
    ev = await make_event(redis)
    res = await send_twilio(hooks, ev.slug, twilio_form("NOM Camille"))
    assert message(res) == "Merci, Camille ! Vos messages seront désormais signés de ce nom."
    res = await send_twilio(hooks, ev.slug, twilio_form("NAME"))
    assert message(res) == "Please send a name after NAME, e.g. NAME Camille."
    await send_twilio(hooks, ev.slug, twilio_form("Question sur le budget"))
    other = await send_twilio(hooks, ev.slug, twilio_form("Et moi", phone="+33699999901"))
    assert message(other) == MODERATION_FR
    assert [(i.author, i.text) for i in await inbox_items(redis, ev.slug)] == [
        ("Camille", "Question sur le budget"), ("SMS ···01", "Et moi")]


async def test_a_keyword_routes_a_shared_number_to_its_event(hooks: httpx.AsyncClient,
                                                             redis: Redis) -> None:
    """One number, two events: the first word picks the event and is removed from the text."""
    number = "+33700000042"
    atelier = await make_event(redis, sms_number=number, sms_keyword="atelier")
    pleniere = await make_event(redis, sms_number=number, sms_keyword="Pleniere")
    await send_twilio(hooks, atelier.slug, twilio_form("PLENIERE: quelle date ?"))
    await send_twilio(hooks, atelier.slug, twilio_form("atelier merci"))
    await send_twilio(hooks, atelier.slug, twilio_form("sans mot-clé"))
    assert [i.text for i in await inbox_items(redis, pleniere.slug)] == ["quelle date ?"]
    assert [i.text for i in await inbox_items(redis, atelier.slug)] == ["merci",
                                                                        "sans mot-clé"]


async def test_a_closed_event_answers_politely_and_stores_nothing(hooks: httpx.AsyncClient,
                                                                  redis: Redis) -> None:
    """Closed: a thank-you reply in the sender's language, nothing in the inbox."""
    ev = await make_event(redis, status="closed")
    res = await send_twilio(hooks, ev.slug, twilio_form("Encore une question"))
    assert message(res) == ("Cet événement est terminé : les messages ne sont plus affichés. "
                            "Merci de votre participation !")
    res = await send_twilio(hooks, ev.slug, twilio_form("Is it over?"))
    assert message(res) == ("This event is over: messages are no longer shown. "
                            "Thank you for taking part!")
    assert await inbox_items(redis, ev.slug) == []


async def test_too_long_or_empty_messages_get_a_polite_explanation(hooks: httpx.AsyncClient,
                                                                   redis: Redis) -> None:
    """Over 500 characters or blank: refused with a reply, never cut, nothing stored."""
    ev = await make_event(redis)
    res = await send_twilio(hooks, ev.slug, twilio_form("é" * 501))
    assert message(res) == ("Votre message est trop long : 500 caractères au maximum. "
                            "Merci de le raccourcir.")
    assert message(await send_twilio(hooks, ev.slug, twilio_form("   "))) == \
        "Votre message est vide."
    assert await inbox_items(redis, ev.slug) == []


async def test_mms_images_are_kept_as_media(hooks: httpx.AsyncClient, redis: Redis) -> None:
    """NumMedia/MediaUrlN of image type become the item's media; other types are ignored."""
    ev = await make_event(redis)
    form = twilio_form("Regardez", NumMedia="2",
                       MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Media/ME1",
                       MediaContentType0="image/jpeg",
                       MediaUrl1="https://api.twilio.com/x.vcf", MediaContentType1="text/vcard")
    await send_twilio(hooks, ev.slug, form)
    (item,) = await inbox_items(redis, ev.slug)
    assert item.media == [{"url": form["MediaUrl0"], "alt": ""}]


async def test_behind_a_tls_proxy_the_forwarded_url_is_the_signed_one(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """Twilio signed https://wall.example.org/...; the proxy says so in X-Forwarded-*."""
    ev = await make_event(redis)
    public = f"https://wall.example.org/hooks/twilio/{ev.slug}"
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "wall.example.org"}
    res = await send_twilio(hooks, ev.slug, twilio_form("via le proxy"), signed_url=public,
                            headers=proxied)
    assert message(res) == MODERATION_FR
    res = await send_twilio(hooks, ev.slug, twilio_form("sans en-têtes"), signed_url=public)
    assert res.status_code == 403
    assert [i.text for i in await inbox_items(redis, ev.slug)] == ["via le proxy"]


async def test_public_url_setting_is_what_signatures_are_checked_against(
        redis_url: str, redis: Redis) -> None:
    """With CLAMEUR_PUBLIC_URL set, that base + path is verified, not the request URL."""
    server = ServerProcess(redis_url=redis_url, env={
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CLAMEUR_PUBLIC_URL": "https://clameur.example.net/",
        "CLAMEUR_SMS_FRENCH_REPLIES": "all"}  # the test phone is a French mobile
    ).start()
    try:
        ev = await make_event(redis)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            good = await send_twilio(http, ev.slug, twilio_form("public"), signed_url=(
                f"https://clameur.example.net/hooks/twilio/{ev.slug}"))
            local = await send_twilio(http, ev.slug, twilio_form("local"))
    finally:
        server.stop()
    assert message(good) == MODERATION_FR and local.status_code == 403
    assert PHONE not in await everything_stored(redis, ev.slug)


async def test_a_banned_phone_stays_banned_without_being_known(hooks: httpx.AsyncClient,
                                                               redis: Redis) -> None:
    """A moderator bans the sender of an SMS: the next one is rejected, the reply unchanged."""
    ev = await make_event(redis)
    await send_twilio(hooks, ev.slug, twilio_form("premier message"))
    (first,) = await inbox_items(redis, ev.slug)
    res = await hooks.post(f"/api/events/{ev.slug}/items/{first.id}/author",
                           json={"flag": "banned", "on": True}, headers=ev.auth)
    assert res.status_code == 200 and PHONE not in res.text
    again = await send_twilio(hooks, ev.slug, twilio_form("encore moi"))
    assert message(again) == MODERATION_FR  # no hint for the banned sender
    other = await send_twilio(hooks, ev.slug, twilio_form("quelqu'un d'autre",
                                                          phone="+33611111111"))
    assert message(other) == MODERATION_FR
    _, second, third = await inbox_items(redis, ev.slug)
    assert await redis.hget(keys.state(ev.slug), second.id) == "rejected"
    assert await redis.hget(keys.state(ev.slug), third.id) == "pending"


async def test_a_flooding_phone_is_cut_off_quietly(hooks: httpx.AsyncClient,
                                                   redis: Redis) -> None:
    """Past the per-phone limit (6 a minute): not stored, no reply; other phones go on."""
    ev = await make_event(redis)
    replies = [message(await send_twilio(hooks, ev.slug, twilio_form(f"n{i}")))
               for i in range(8)]
    assert replies == [MODERATION_FR] * 6 + [None, None]
    other = await send_twilio(hooks, ev.slug, twilio_form("voisin", phone="+33622222222"))
    assert message(other) == MODERATION_FR
    texts = [i.text for i in await inbox_items(redis, ev.slug)]
    assert texts == [f"n{i}" for i in range(6)] + ["voisin"]


async def test_an_approved_sms_reaches_the_wall_without_any_trace_of_the_number(
        hooks: httpx.AsyncClient, sms_server: ServerProcess, redis: Redis) -> None:  # noqa: F811
    """Post-moderation: the wall's item frame says "SMS ···78" and holds no number or key."""
    ev = await make_event(redis, mode="post")
    wall = await FeedClient.connect(f"{sms_server.ws_url}/ws/wall/{ev.slug}")
    await wall.next("snapshot")
    await send_twilio(hooks, ev.slug, twilio_form("Vu sur le mur"))
    frame = await wall.next("item")
    await wall.close()
    assert (frame["item"]["author"], frame["item"]["text"]) == ("SMS ···78", "Vu sur le mur")
    assert "author_key" not in frame["item"] and "12345678" not in json.dumps(frame)
