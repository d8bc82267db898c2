"""The desk's questions tab driven by its keys (Textual Pilot) against a real server: polls
made, opened and closed, the wall switched, questions ranked and answered."""

from __future__ import annotations

import httpx

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, decide, post
from tests.support.desk import running_desk, settle, shown_text, until
from tests.support.servers import ServerProcess


async def test_a_moderator_creates_opens_and_closes_a_poll_and_switches_the_wall(
        server: ServerProcess, http: httpx.AsyncClient, event: EventFixture) -> None:
    """`3` opens the tab, `n` the new-poll form; `o` opens the poll (walls get it), `w`
    switches the wall, `c` closes the poll: each step stored on the server."""
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        await pilot.press("3")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Quel créneau pour la prochaine réunion ?")
        await pilot.press("enter")
        await pilot.press(*"Mardi 18 h;Jeudi 20 h;Samedi matin")
        await pilot.press("enter")
        await settle(app, pilot)
        asks = app.session.asks.model
        await until(app, pilot, lambda: len(asks.polls) == 1)
        polls = (await http.get(f"/api/events/{event.slug}/polls",
                                headers=event.auth)).json()["polls"]
        assert [(p["question"], [o["text"] for o in p["options"]], p["status"])
                for p in polls] == [("Quel créneau pour la prochaine réunion ?",
                                     ["Mardi 18 h", "Jeudi 20 h", "Samedi matin"], "draft")]
        poll_id = polls[0]["id"]
        assert "DRAFT" in shown_text(app, "#asks-polls")[0]

        await pilot.press("o")
        await settle(app, pilot)
        frame = await wall.next("poll")
        assert (frame["poll"]["id"], frame["poll"]["status"]) == (poll_id, "open")
        await until(app, pilot, lambda: asks.polls[poll_id]["status"] == "open")
        assert "OPEN" in shown_text(app, "#asks-polls")[0]

        await pilot.press("w")  # feed -> questions
        await settle(app, pilot)
        assert (await wall.next("mode"))["mode"] == "questions"
        await pilot.press("w")  # questions -> poll
        await settle(app, pilot)
        assert (await wall.next("mode"))["mode"] == "poll"
        assert "poll" in str(app.query_one("#asks-mode").render())

        await http.post(f"/api/events/{event.slug}/polls/{poll_id}/votes", json={"option": 1})
        await until(app, pilot, lambda: asks.polls[poll_id].get("total") == 1)
        assert "B Jeudi 20 h 1 (100 %)" in shown_text(app, "#asks-polls")[0]

        await pilot.press("c")
        await settle(app, pilot)
        shown = (await http.get(f"/api/events/{event.slug}/polls/{poll_id}")).json()
        assert shown["status"] == "closed"
        await until(app, pilot, lambda: asks.polls[poll_id]["status"] == "closed")
    assert (await http.get(f"/api/events/{event.slug}/wall-mode")).json() == {"mode": "poll"}
    await wall.close()


async def test_the_tab_ranks_questions_by_votes_and_records_answers(
        server: ServerProcess, http: httpx.AsyncClient, event: EventFixture) -> None:
    """Approved questions are listed most votes first, live; `f` with a note records a
    follow-up, `x` clears it."""
    ids = []
    for text in ("Première question ?", "Deuxième question ?"):
        item_id = (await post(http, event.slug, text, kind="question")).json()["id"]
        await decide(http, event.slug, item_id, "approve", event.token)
        ids.append(item_id)
    async with running_desk(server.url, event.slug, event.token) as (app, pilot):
        asks = app.session.asks.model
        await until(app, pilot, lambda: len(asks.questions) == 2)
        await pilot.press("3")
        for _ in range(2):
            async with httpx.AsyncClient(base_url=server.url) as phone:
                await phone.post(f"/api/events/{event.slug}/items/{ids[1]}/votes")
        await until(app, pilot, lambda: asks.questions[ids[1]]["votes"] == 2)
        lines = shown_text(app, "#asks-questions")
        assert lines[0].startswith("#1 ▲ 2") and "Deuxième question ?" in lines[0]
        assert lines[1].startswith("#2 ▲ 0")

        await pilot.press("up")  # the cursor stayed on its question: up to the first one
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"Réponse écrite du maire")
        await pilot.press("enter")
        await settle(app, pilot)
        listed = (await http.get(f"/api/events/{event.slug}/questions")).json()["items"]
        assert (listed[0]["id"], listed[0]["answer"], listed[0]["note"]) == (
            ids[1], "follow_up", "Réponse écrite du maire")
        assert "FOLLOW-UP: Réponse écrite du maire" in shown_text(app, "#asks-questions")[0]

        await pilot.press("x")
        await settle(app, pilot)
        listed = (await http.get(f"/api/events/{event.slug}/questions")).json()["items"]
        assert listed[0]["answer"] is None
