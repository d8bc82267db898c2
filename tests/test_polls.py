"""Polls and word clouds over HTTP: made, opened and closed by moderators, voted once per
device (a second vote replaces the first), words normalised and passed through the word
list — and every bad input refused with nothing stored (the app in-process)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.inprocess import InProcessApp, fresh_address
from wall.store import keys


async def new_poll(http: httpx.AsyncClient, ev: EventFixture, open_it: bool = True,
                   **body: Any) -> str:
    body = body or {"question": "Quelle priorité ?", "options": ["Vélo", "Bus", "Tram"]}
    res = await http.post(f"/api/events/{ev.slug}/polls", json=body, headers=ev.auth)
    assert res.status_code == 201, res.text
    poll_id: str = res.json()["id"]
    if open_it:
        res = await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open", headers=ev.auth)
        assert res.status_code == 200, res.text
    return poll_id


async def vote(http: httpx.AsyncClient, ev: EventFixture, poll_id: str,
               **ballot: Any) -> httpx.Response:
    return await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes", json=ballot)


async def shown(http: httpx.AsyncClient, ev: EventFixture, poll_id: str) -> dict[str, Any]:
    res = await http.get(f"/api/events/{ev.slug}/polls/{poll_id}")
    assert res.status_code == 200
    result: dict[str, Any] = res.json()
    return result


async def test_one_vote_per_device_a_second_replaces_the_first(
        inprocess_app: InProcessApp, event: EventFixture) -> None:
    """Three devices; one changes its mind: the tally counts each device's last vote."""
    async with inprocess_app.client() as desk:
        poll_id = await new_poll(desk, event)
    phones = [inprocess_app.client() for _ in range(3)]
    for phone, option in zip(phones, (0, 1, 1), strict=True):
        assert (await vote(phone, event, poll_id, option=option)).status_code == 202
    assert (await vote(phones[2], event, poll_id, option=2)).status_code == 202
    assert (await vote(phones[2], event, poll_id, option=2)).status_code == 202
    poll = await shown(phones[0], event, poll_id)
    assert [o["votes"] for o in poll["options"]] == [1, 1, 1]
    assert poll["total"] == 3 and poll["status"] == "open" and poll["type"] == "choice"
    for phone in phones:
        await phone.aclose()


async def test_only_one_poll_is_open_at_a_time(app_client: httpx.AsyncClient,
                                              event: EventFixture) -> None:
    """Opening a second poll while one is open is 409 naming it; once closed, it opens."""
    first = await new_poll(app_client, event)
    second = await new_poll(app_client, event, open_it=False)
    path = f"/api/events/{event.slug}/polls/{second}"
    busy = await app_client.post(f"{path}/open", headers=event.auth)
    assert busy.status_code == 409 and busy.json()["open"] == first
    closed = await app_client.post(f"/api/events/{event.slug}/polls/{first}/close",
                                   headers=event.auth)
    assert closed.json() == {"id": first, "status": "closed"}
    assert (await app_client.post(f"{path}/open", headers=event.auth)).status_code == 200
    listed = (await app_client.get(f"/api/events/{event.slug}/polls",
                                   headers=event.auth)).json()["polls"]
    assert [(p["id"], p["status"]) for p in listed] == [(first, "closed"), (second, "open")]


async def test_votes_on_closed_draft_or_unknown_polls_store_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """409 on a poll never opened or closed, 404 on an unknown one; no ballot kept."""
    draft = await new_poll(app_client, event, open_it=False)
    res = await vote(app_client, event, draft, option=0)
    assert res.status_code == 409 and res.json()["error"] == "poll_not_open"
    done = await new_poll(app_client, event)
    await app_client.post(f"/api/events/{event.slug}/polls/{done}/close", headers=event.auth)
    res = await vote(app_client, event, done, option=1)
    assert res.status_code == 409 and res.json()["poll_status"] == "closed"
    for unknown in ("zz0000", "Nope!"):
        assert (await vote(app_client, event, unknown, option=0)).status_code == 404
    for poll_id in (draft, done):
        assert not await redis.exists(keys.poll_ballots(event.slug, poll_id))
        assert not await redis.exists(keys.poll_tally(event.slug, poll_id))


@pytest.mark.parametrize("ballot", [{"option": 3}, {"option": -1}, {"option": "1"},
                                    {"option": True}, {"option": 1.0}, {}, {"text": "Vélo"}])
async def test_an_option_out_of_range_is_422_and_stores_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis,
        ballot: dict[str, Any]) -> None:
    """Options are numbered 0 to n-1: anything else is refused, nothing kept."""
    poll_id = await new_poll(app_client, event)
    res = await vote(app_client, event, poll_id, **ballot)
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "option"
    assert not await redis.exists(keys.poll_ballots(event.slug, poll_id))


@pytest.mark.parametrize("body", [
    {"question": "Q", "options": ["seule"]},
    {"question": "Q", "options": [str(n) for n in range(9)]},
    {"question": "Q", "options": ["Oui", "oui"]},
    {"question": "Q", "options": ["Oui", ""]},
    {"question": "", "options": ["Oui", "Non"]},
    {"question": "Q", "type": "ranking"},
    {"question": "Q" * 201, "type": "words"},
])
async def test_a_poll_needs_two_to_eight_distinct_options(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis,
        body: dict[str, Any]) -> None:
    """Fewer than 2 or more than 8 options, duplicates, empty texts: 422, no poll made."""
    res = await app_client.post(f"/api/events/{event.slug}/polls", json=body,
                                headers=event.auth)
    assert res.status_code == 422
    assert not await redis.exists(keys.polls(event.slug))


async def test_moderator_poll_routes_need_a_token(app_client: httpx.AsyncClient,
                                                 event: EventFixture, redis: Redis) -> None:
    """Create, open, close, words, wall mode: 401 without a token, nothing changed."""
    poll_id = await new_poll(app_client, event, open_it=False)
    base = f"/api/events/{event.slug}"
    calls = [("POST", f"{base}/polls", {"question": "Q", "options": ["a", "b"]}),
             ("GET", f"{base}/polls", None),
             ("POST", f"{base}/polls/{poll_id}/open", None),
             ("POST", f"{base}/polls/{poll_id}/close", None),
             ("GET", f"{base}/polls/{poll_id}/words", None),
             ("POST", f"{base}/polls/{poll_id}/words", {"text": "a", "action": "hide"}),
             ("POST", f"{base}/wall-mode", {"mode": "poll"})]
    for method, path, body in calls:
        res = await app_client.request(method, path, json=body)
        assert res.status_code == 401, path
    assert await redis.zcard(keys.polls(event.slug)) == 1
    assert await redis.hget(keys.poll(event.slug, poll_id), "status") == "draft"
    assert not await redis.exists(keys.stage(event.slug))


async def test_the_wall_mode_is_set_by_a_moderator(app_client: httpx.AsyncClient,
                                                  event: EventFixture) -> None:
    """feed, questions or poll; anything else 422; everyone can read it."""
    path = f"/api/events/{event.slug}/wall-mode"
    assert (await app_client.get(path)).json() == {"mode": "feed"}
    bad = await app_client.post(path, json={"mode": "cinema"}, headers=event.auth)
    assert bad.status_code == 422
    assert (await app_client.post(path, json={"mode": "questions"},
                                  headers=event.auth)).status_code == 200
    assert (await app_client.get(path)).json() == {"mode": "questions"}


async def test_words_are_normalised_and_plurals_fold_into_a_sent_singular(
        inprocess_app: InProcessApp, event: EventFixture) -> None:
    """Case folds, accents stay, "écoles" joins "école" (sent too), "temps" keeps its s."""
    async with inprocess_app.client() as desk:
        poll_id = await new_poll(desk, event, question="Un mot pour la ville ?", type="words")
    sent = ["École", "écoles", " ÉCOLE! ", "ecole", "Temps", "bateaux", "Bateau"]
    for word in sent:
        async with inprocess_app.client() as phone:
            assert (await vote(phone, event, poll_id, text=word)).status_code == 202
    async with inprocess_app.client() as phone:
        poll = await shown(phone, event, poll_id)
    assert poll["type"] == "words" and "options" not in poll
    assert {w["text"]: w["count"] for w in poll["words"]} == {
        "école": 3, "bateau": 2, "ecole": 1, "temps": 1}
    assert poll["words"][0] == {"text": "école", "count": 3}


@pytest.mark.parametrize("text", ["x" * 41, "un deux trois quatre", "   ", "?!", 7])
async def test_a_word_over_the_limits_is_422_and_stores_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis,
        text: Any) -> None:
    """Over 40 characters, more than three words, nothing left once trimmed, not text."""
    poll_id = await new_poll(app_client, event, question="Un mot ?", type="words")
    res = await vote(app_client, event, poll_id, text=text)
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "text"
    assert not await redis.exists(keys.poll_ballots(event.slug, poll_id))


async def test_a_held_word_never_shows_until_a_moderator_allows_it(
        inprocess_app: InProcessApp, redis: Redis) -> None:
    """A word the word list matches is counted but held: it is in no public view; the
    moderators see it held, and once shown it appears; a hidden word disappears."""
    ev = await make_event(redis, blocked_words=["navet"])
    async with inprocess_app.client() as desk:
        poll_id = await new_poll(desk, ev, question="Le spectacle ?", type="words")
        for word in ("navet", "Navets", "génial", "génial", "long"):
            async with inprocess_app.client() as phone:
                assert (await vote(phone, ev, poll_id, text=word)).status_code == 202
        public = await shown(desk, ev, poll_id)
        assert [w["text"] for w in public["words"]] == ["génial", "long"]
        path = f"/api/events/{ev.slug}/polls/{poll_id}/words"
        every = (await desk.get(path, headers=ev.auth)).json()["all_words"]
        assert {w["text"]: (w["count"], w["state"]) for w in every} == {
            "navet": (2, "held"), "génial": (2, "shown"), "long": (1, "shown")}
        res = await desk.post(path, json={"text": "navet", "action": "show"}, headers=ev.auth)
        assert res.status_code == 200
        res = await desk.post(path, json={"text": "long", "action": "hide"}, headers=ev.auth)
        assert res.status_code == 200
        public = await shown(desk, ev, poll_id)
        assert {w["text"]: w["count"] for w in public["words"]} == {"navet": 2, "génial": 2}
        missing = await desk.post(path, json={"text": "absent", "action": "hide"},
                                  headers=ev.auth)
        assert missing.status_code == 404


async def test_ballots_past_the_vote_limits_get_429_and_count_nothing(
        redis_url: str, event: EventFixture) -> None:
    """A phone past its vote budget gets 429 with Retry-After; a script dropping its cookie
    (a new device at every request) is stopped by its address's budget; nothing refused
    is counted."""
    limits = {"CLAMEUR_RATE_LIMITS": "vote_device=2/60,vote_ip=5/60"}
    async with InProcessApp(redis_url, limits) as app:
        async with app.client() as desk:
            poll_id = await new_poll(desk, event)
        async with app.client(fresh_address()) as phone:
            answers = [await vote(phone, event, poll_id, option=n) for n in (0, 1, 2)]
            assert [a.status_code for a in answers] == [202, 202, 429]
            assert int(answers[2].headers["retry-after"]) >= 1
            assert [o["votes"] for o in (await shown(phone, event, poll_id))["options"]] \
                == [0, 1, 0]
        async with app.client(fresh_address()) as script:
            codes = []
            for _ in range(6):
                script.cookies.clear()
                codes.append((await vote(script, event, poll_id, option=2)).status_code)
            assert codes == [202] * 5 + [429]
            assert (await shown(script, event, poll_id))["total"] == 6  # the phone's + 5
