"""Questions and polls on real sockets of a real server: `mode`, `poll` and `votes` frames
for walls, votes sent on the audience socket and answered once stored, and the state a
socket is given when it (re)connects."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, decide, post
from tests.support.servers import ServerProcess
from wall.identity import DEVICE_COOKIE, device_signer

SECRET = "test-secret"  # ServerProcess's CLAMEUR_SECRET


def phone_cookie(device: str) -> dict[str, str]:
    """The Cookie header of a phone whose page set its signed device cookie."""
    return {"Cookie": f"{DEVICE_COOKIE}={device_signer(SECRET).sign(device).decode()}"}


async def new_poll(http: httpx.AsyncClient, ev: EventFixture, open_it: bool = True) -> str:
    res = await http.post(f"/api/events/{ev.slug}/polls", headers=ev.auth,
                          json={"question": "Oui ou non ?", "options": ["Oui", "Non"]})
    poll_id: str = res.json()["id"]
    if open_it:
        await http.post(f"/api/events/{ev.slug}/polls/{poll_id}/open", headers=ev.auth)
    return poll_id


async def test_walls_follow_the_mode_the_poll_and_the_questions_live(
        server: ServerProcess, http: httpx.AsyncClient, event: EventFixture) -> None:
    """A wall gets `mode` when a moderator switches it, `poll` on open, on votes and on
    close, `votes` when a question is upvoted or answered; one connecting later is given
    the mode and the poll right after its snapshot."""
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    await http.post(f"/api/events/{event.slug}/wall-mode", json={"mode": "poll"},
                    headers=event.auth)
    assert (await wall.next("mode"))["mode"] == "poll"
    poll_id = await new_poll(http, event)
    opened = (await wall.next("poll"))["poll"]
    assert (opened["id"], opened["status"], opened["total"]) == (poll_id, "open", 0)
    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/votes", json={"option": 1})
    while (frame := (await wall.next("poll"))["poll"])["total"] < 1:
        pass
    assert [o["votes"] for o in frame["options"]] == [0, 1]

    res = await post(http, event.slug, "Une question ?", kind="question")
    question = res.json()["id"]
    await decide(http, event.slug, question, "approve", event.token)
    item = await wall.next("item")
    assert item["item"]["kind"] == "question"
    assert (await http.post(f"/api/events/{event.slug}/items/{question}/votes")).status_code \
        == 200
    votes = await wall.next("votes")
    assert (votes["id"], votes["votes"], votes["answer"]) == (question, 1, None)
    await http.post(f"/api/events/{event.slug}/items/{question}/answer", headers=event.auth,
                    json={"answer": "follow_up", "note": "réponse écrite sous 15 jours"})
    votes = await wall.next("votes")
    assert (votes["answer"], votes["note"]) == ("follow_up", "réponse écrite sous 15 jours")

    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/close", headers=event.auth)
    while (frame := (await wall.next("poll"))["poll"])["status"] != "closed":
        pass
    await wall.close()

    late = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    assert (await late.next())["type"] == "snapshot"
    assert await late.next() == {"type": "mode", "mode": "poll"}
    shown = (await late.next())["poll"]
    assert (shown["id"], shown["status"], shown["total"]) == (poll_id, "closed", 1)
    await late.close()


async def test_votes_on_the_audience_socket_are_answered_once_stored(
        server: ServerProcess, http: httpx.AsyncClient, event: EventFixture) -> None:
    """`voted` once stored; a second vote replaces the first; refusals are `error` frames
    with the HTTP route's codes, and refused votes store nothing."""
    poll_id = await new_poll(http, event)
    phone = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}",
                                     additional_headers=phone_cookie("phone-ws-1"))
    await phone.next("snapshot")
    await phone.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":0}}')
    assert await phone.next("voted", "error") == {"type": "voted", "poll": poll_id}
    await phone.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":1}}')
    assert (await phone.next("voted", "error"))["type"] == "voted"
    for bad, code in ((f'{{"type":"vote","poll":"{poll_id}","option":2}}', "validation"),
                      ('{"type":"vote","poll":"zz0000","option":0}', "unknown_poll"),
                      ('{"type":"vote","poll":7,"option":0}', "unknown_poll")):
        await phone.ws.send(bad)
        assert (await phone.next("voted", "error"))["error"] == code
    await http.post(f"/api/events/{event.slug}/polls/{poll_id}/close", headers=event.auth)
    await phone.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":0}}')
    assert (await phone.next("voted", "error"))["error"] == "poll_not_open"
    await phone.close()

    stranger = await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}")
    await stranger.next("snapshot")
    await stranger.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":0}}')
    assert (await stranger.next("voted", "error"))["error"] == "no_device"
    await stranger.close()
    poll = (await http.get(f"/api/events/{event.slug}/polls/{poll_id}")).json()
    assert [o["votes"] for o in poll["options"]] == [0, 1]


async def test_a_burst_of_votes_reaches_walls_as_a_few_poll_frames(
        server: ServerProcess, http: httpx.AsyncClient, event: EventFixture) -> None:
    """40 phones vote 20 times each on their sockets: every vote answered, the wall's
    last `poll` frame has the exact tally, and the wall got far fewer frames than votes
    (tallies are sent at most about 4 times a second: see the votes benchmark)."""
    poll_id = await new_poll(http, event)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    assert (await wall.next("poll"))["poll"]["status"] == "open"
    phones = [await FeedClient.connect(f"{server.ws_url}/ws/audience/{event.slug}",
                                       additional_headers=phone_cookie(f"burst-{n}"))
              for n in range(40)]
    for phone in phones:
        await phone.next("snapshot")

    async def votes(n: int, phone: FeedClient) -> None:
        for k in range(20):
            await phone.ws.send(f'{{"type":"vote","poll":"{poll_id}","option":{(n + k) % 2}}}')
        for _ in range(20):
            assert (await phone.next("voted", "error"))["type"] == "voted"

    await asyncio.gather(*(votes(n, p) for n, p in enumerate(phones)))
    # Each phone's last vote is option (n + 19) % 2: 20 phones each way.
    frames = 0
    frame = None
    while frame is None or [o["votes"] for o in frame["options"]] != [20, 20]:
        frame = (await wall.next("poll"))["poll"]
        frames += 1
    assert frames < 800 / 4
    for phone in phones:
        await phone.close()
    await wall.close()
