"""Questions over HTTP: posted as questions, moderated, upvoted once per device, ranked,
answered — and every bad input refused with nothing stored (the app in-process)."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.clients import decide, post
from tests.support.inprocess import InProcessApp
from wall.store import keys


async def asked(http: httpx.AsyncClient, ev: EventFixture, text: str,
                approve: bool = True) -> str:
    """Post `text` as a question (and approve it); its id."""
    res = await post(http, ev.slug, text, kind="question")
    assert res.status_code == 202, res.text
    item_id: str = res.json()["id"]
    if approve:
        assert (await decide(http, ev.slug, item_id, "approve", ev.token)).status_code == 200
    return item_id


async def upvote(http: httpx.AsyncClient, ev: EventFixture, item_id: str) -> httpx.Response:
    return await http.post(f"/api/events/{ev.slug}/items/{item_id}/votes")


async def test_upvotes_count_once_per_device_and_rank_the_questions(
        inprocess_app: InProcessApp, event: EventFixture) -> None:
    """Each device counts once (a repeat answers the same count), and the list puts the
    most upvoted question first."""
    async with inprocess_app.client() as first:
        quiet = await asked(first, event, "Et le budget des écoles ?")
        loud = await asked(first, event, "Quand rouvre la piscine ?")
        assert (await upvote(first, event, loud)).json() == {"votes": 1}
        assert (await upvote(first, event, loud)).json() == {"votes": 1}
        for _ in range(2):
            async with inprocess_app.client() as phone:
                res = await upvote(phone, event, loud)
                assert res.status_code == 200
                assert res.cookies.get("clameur_device")
        listed = (await first.get(f"/api/events/{event.slug}/questions")).json()["items"]
    assert [(q["id"], q["votes"]) for q in listed] == [(loud, 3), (quiet, 0)]
    assert listed[0]["text"] == "Quand rouvre la piscine ?" and listed[0]["answer"] is None


async def test_a_message_posted_without_kind_is_not_a_question(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """An ordinary message is not listed and cannot be upvoted (404, nothing stored)."""
    res = await post(app_client, event.slug, "Bravo à tous")
    item_id = res.json()["id"]
    await decide(app_client, event.slug, item_id, "approve", event.token)
    assert (await upvote(app_client, event, item_id)).status_code == 404
    assert (await app_client.get(f"/api/events/{event.slug}/questions")).json() == {"items": []}
    assert not await redis.exists(keys.question_voters(event.slug))


async def test_an_upvote_on_an_unapproved_question_is_404_and_stores_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """A pending question, a rejected one and an unknown id: 404, no vote kept."""
    pending = await asked(app_client, event, "Question en attente ?", approve=False)
    rejected = await asked(app_client, event, "Question refusée ?", approve=False)
    await decide(app_client, event.slug, rejected, "reject", event.token)
    for item_id in (pending, rejected, "zzz000", "NOT-AN-ID"):
        res = await upvote(app_client, event, item_id)
        assert res.status_code == 404, item_id
        assert res.json()["error"] == "unknown_question"
    assert not await redis.exists(keys.question_voters(event.slug))
    assert await redis.zscore(keys.questions(event.slug), pending) == 0


async def test_a_moderator_marks_a_question_answered_or_followed_up(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """The answer and its note show in the list; null clears them."""
    item_id = await asked(app_client, event, "Qui finance la navette ?")
    path = f"/api/events/{event.slug}/items/{item_id}/answer"
    res = await app_client.post(path, json={"answer": "follow_up",
                                            "note": "Mme la maire répond d'ici juin"},
                                headers=event.auth)
    assert res.status_code == 200
    listed = (await app_client.get(f"/api/events/{event.slug}/questions")).json()["items"]
    assert (listed[0]["answer"], listed[0]["note"]) == ("follow_up",
                                                        "Mme la maire répond d'ici juin")
    await app_client.post(path, json={"answer": "answered"}, headers=event.auth)
    listed = (await app_client.get(f"/api/events/{event.slug}/questions")).json()["items"]
    assert (listed[0]["answer"], listed[0]["note"]) == ("answered", "")
    await app_client.post(path, json={"answer": None}, headers=event.auth)
    listed = (await app_client.get(f"/api/events/{event.slug}/questions")).json()["items"]
    assert listed[0]["answer"] is None


async def test_answer_refuses_missing_tokens_bad_values_and_non_questions(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """401 without a token, 422 for a bad answer or a long note, 404 for a message that is
    not a question: nothing is recorded."""
    item_id = await asked(app_client, event, "Une question ?")
    message = (await post(app_client, event.slug, "pas une question")).json()["id"]
    path = f"/api/events/{event.slug}/items/{item_id}/answer"
    assert (await app_client.post(path, json={"answer": "answered"})).status_code == 401
    bad = await app_client.post(path, json={"answer": "maybe"}, headers=event.auth)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "answer"
    long = await app_client.post(path, json={"answer": "answered", "note": "x" * 281},
                                 headers=event.auth)
    assert long.status_code == 422 and long.json()["detail"][0]["field"] == "note"
    other = await app_client.post(f"/api/events/{event.slug}/items/{message}/answer",
                                  json={"answer": "answered"}, headers=event.auth)
    assert other.status_code == 404
    assert not await redis.exists(keys.answers(event.slug))


async def test_a_moderator_can_make_a_message_a_question(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """Marked by a moderator (401 without a token), an approved message can be upvoted."""
    item_id = (await post(app_client, event.slug, "Combien coûte le projet")).json()["id"]
    await decide(app_client, event.slug, item_id, "approve", event.token)
    path = f"/api/events/{event.slug}/items/{item_id}/question"
    assert (await app_client.post(path)).status_code == 401
    assert (await app_client.post(path, headers=event.auth)).status_code == 200
    assert (await upvote(app_client, event, item_id)).json() == {"votes": 1}


async def test_a_post_with_an_unknown_kind_is_refused(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """`kind` is question or message: anything else is 422 and stores nothing."""
    res = await post(app_client, event.slug, "hm", kind="poll")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "kind"
    assert await redis.hlen(keys.items(event.slug)) == 0


async def test_upvotes_on_a_closed_event_are_refused(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Once the event is closed, an upvote is 403 and counts nothing."""
    item_id = await asked(app_client, event, "Trop tard ?")
    await app_client.post(f"/api/events/{event.slug}/status", json={"status": "closed"},
                          headers=event.admin_auth)
    res = await upvote(app_client, event, item_id)
    assert res.status_code == 403
    assert await redis.zscore(keys.questions(event.slug), item_id) == 0
