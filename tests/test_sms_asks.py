"""Polls and questions by SMS, through signed Twilio webhooks on a real server, beside
phones voting on the web: exact tallies, one vote per device and per phone number."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.servers import ServerProcess
from tests.support.sms import (
    send_twilio,
    sms_server,  # noqa: F401 - fixture
    twilio_form,
)
from tests.support.sources import inbox_items
from wall.store import keys

PHONES = ["+33611111111", "+33622222222", "+33633333333", "+33644444444"]


@pytest.fixture
async def hooks(sms_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with httpx.AsyncClient(base_url=sms_server.url, timeout=10) as client:
        yield client


def reply(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.text.split("<Message>")[1].split("</Message>")[0]


async def open_poll(http: httpx.AsyncClient, ev: EventFixture) -> str:
    res = await http.post(f"/api/events/{ev.slug}/polls", headers=ev.auth, json={
        "question": "Which evening suits you?", "options": ["Monday", "Tuesday", "Thursday",
                                                            "Friday"]})
    poll_id: str = res.json()["id"]
    assert (await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open",
                            headers=ev.auth)).status_code == 200
    return poll_id


async def test_a_poll_voted_by_web_and_by_sms_counts_each_device_and_number_once(
        hooks: httpx.AsyncClient, sms_server: ServerProcess, redis: Redis) -> None:  # noqa: F811
    """Three web phones and four SMS numbers vote; one number changes its vote, one sends
    the same twice, one phone votes again: the tally is exact, one vote each, and no
    phone number is stored."""
    ev = await make_event(redis, languages=["en", "fr"])
    poll_id = await open_poll(hooks, ev)
    for option in (0, 1, 1):
        async with httpx.AsyncClient(base_url=sms_server.url) as web:
            res = await web.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                                 json={"option": option})
            assert res.status_code == 202
            if option == 0:  # this phone changes its mind
                await web.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                               json={"option": 3})
    answers = [reply(await send_twilio(hooks, ev.slug, twilio_form(body, phone=phone)))
               for phone, body in zip(PHONES, ["A", "b.", "2", "d"], strict=True)]
    assert answers[0] == "Thanks! Your vote for A is counted."
    assert answers[2] == "Thanks! Your vote for B is counted."
    reply(await send_twilio(hooks, ev.slug, twilio_form("C", phone=PHONES[0])))  # moved
    reply(await send_twilio(hooks, ev.slug, twilio_form("B", phone=PHONES[1])))  # same
    poll = (await hooks.get(f"/api/events/{ev.slug}/polls/{poll_id}")).json()
    # web: D, B, B; SMS: C (was A), B, B, D
    assert [o["votes"] for o in poll["options"]] == [0, 4, 1, 2]
    assert poll["total"] == 7
    assert await redis.hlen(keys.poll_ballots(ev.slug, poll_id)) == 7
    assert await inbox_items(redis, ev.slug) == []  # votes are not messages
    ballots = await redis.hgetall(keys.poll_ballots(ev.slug, poll_id))
    assert not any(p.lstrip("+") in voter or p[3:] in voter for p in PHONES for voter in ballots)


async def test_an_sms_naming_no_option_is_answered_and_counts_nothing(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """"E" or "9" while a 4-option poll is open: told which letters exist, nothing kept."""
    ev = await make_event(redis, languages=["fr"])
    poll_id = await open_poll(hooks, ev)
    for body in ("E", "9"):
        text = reply(await send_twilio(hooks, ev.slug, twilio_form(body, phone=PHONES[0])))
        assert text == "Répondez par une lettre de A à D, s'il vous plaît."
    assert not await redis.exists(keys.poll_ballots(ev.slug, poll_id))
    assert await inbox_items(redis, ev.slug) == []


async def test_once_the_poll_is_closed_a_letter_is_an_ordinary_message(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """After the close, "A" is moderated like any message and the tally does not move."""
    ev = await make_event(redis, languages=["en"])
    poll_id = await open_poll(hooks, ev)
    reply(await send_twilio(hooks, ev.slug, twilio_form("A", phone=PHONES[0])))
    await hooks.post(f"/api/events/{ev.slug}/polls/{poll_id}/close", headers=ev.auth)
    reply(await send_twilio(hooks, ev.slug, twilio_form("B", phone=PHONES[1])))
    poll = (await hooks.get(f"/api/events/{ev.slug}/polls/{poll_id}")).json()
    assert [o["votes"] for o in poll["options"]] == [1, 0, 0, 0]
    assert [i.text for i in await inbox_items(redis, ev.slug)] == ["B"]


async def test_an_sms_starting_with_a_question_mark_or_the_keyword_is_a_question(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """"? ..." and the event's keyword ("question: ...") arrive as pending questions
    without their marker; once approved they are listed like web questions."""
    ev = await make_event(redis, languages=["fr"], question_keyword="Question")
    for phone, body in ((PHONES[0], "?Quand ouvre la maison de santé"),
                        (PHONES[1], "question: Qui paie les travaux ?"),
                        (PHONES[2], "Bravo pour la soirée")):
        reply(await send_twilio(hooks, ev.slug, twilio_form(body, phone=phone)))
    items = {i.text: i for i in await inbox_items(redis, ev.slug)}
    assert {t: i.kind for t, i in items.items()} == {
        "Quand ouvre la maison de santé": "question", "Qui paie les travaux ?": "question",
        "Bravo pour la soirée": "message"}
    for item in items.values():
        await hooks.post(f"/api/events/{ev.slug}/items/{item.id}/decisions",
                         json={"action": "approve"}, headers=ev.auth)
    listed = (await hooks.get(f"/api/events/{ev.slug}/questions")).json()["items"]
    assert sorted(q["text"] for q in listed) == ["Quand ouvre la maison de santé",
                                                 "Qui paie les travaux ?"]
    assert all(q["source"] == "sms" for q in listed)
