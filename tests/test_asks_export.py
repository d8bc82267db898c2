"""The open-data record of questions and polls: the export (JSON, NDJSON, CSV, README, the
CLI) and the report list every approved question with its votes, answer state and note,
and each poll's results; nothing unapproved, held or personal is published."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from html import unescape
from pathlib import Path

import httpx
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.clients import decide, post
from tests.support.inprocess import InProcessApp
from tests.support.servers import ROOT
from tests.support.timing import timeout
from wall.reporting.page import render_report
from wall.reporting.stats import build
from wall.store.events import get_event


async def asked_room(app: InProcessApp, ev: EventFixture) -> dict[str, str]:
    """Three approved questions (one answered, one promised a follow-up, one not), one
    pending, votes; a closed poll, a draft one, a word cloud with a held word."""
    ids: dict[str, str] = {}
    async with app.client() as desk:
        for name, text in (("pool", "Quand rouvre la piscine ?"),
                           ("bus", "=Pourquoi la navette a-t-elle disparu ?"),
                           ("park", "Et le parc Beaulieu ?"),
                           ("pending", "Question jamais approuvée ?")):
            ids[name] = (await post(desk, ev.slug, text, kind="question",
                                    author="Camille")).json()["id"]
            if name != "pending":
                await decide(desk, ev.slug, ids[name], "approve", ev.token)
        for name, count in (("bus", 3), ("pool", 1)):
            for _ in range(count):
                async with app.client() as phone:
                    await phone.post(f"/api/events/{ev.slug}/items/{ids[name]}/votes")
        await desk.post(f"/api/events/{ev.slug}/items/{ids['pool']}/answer", headers=ev.auth,
                        json={"answer": "answered", "note": "Réouverture le 3 mars"})
        await desk.post(f"/api/events/{ev.slug}/items/{ids['bus']}/answer", headers=ev.auth,
                        json={"answer": "follow_up", "note": "L'adjoint répond par écrit"})
        for body, opened in (({"question": "Quel jour ?", "options": ["Lundi", "Mardi"]}, True),
                             ({"question": "Brouillon ?", "options": ["a", "b"]}, False),
                             ({"question": "Un mot ?", "type": "words"}, True)):
            poll_id = (await desk.post(f"/api/events/{ev.slug}/polls", json=body,
                                       headers=ev.auth)).json()["id"]
            ids[body["question"]] = poll_id
            if not opened:
                continue
            await desk.post(f"/api/events/{ev.slug}/polls/{poll_id}/open", headers=ev.auth)
            ballots = [{"option": 1}, {"option": 1}, {"option": 0}] \
                if "options" in body else [{"text": "Vivant"}, {"text": "nul"}]
            for ballot in ballots:
                async with app.client() as phone:
                    res = await phone.post(f"/api/events/{ev.slug}/polls/{poll_id}/votes",
                                           json=ballot)
                    assert res.status_code == 202
            await desk.post(f"/api/events/{ev.slug}/polls/{poll_id}/close", headers=ev.auth)
    return ids


async def test_the_export_lists_every_approved_question_with_its_answer_and_each_poll(
        inprocess_app: InProcessApp, redis: Redis) -> None:
    """JSON and NDJSON carry the questions (votes, answer, note) and the polls' results;
    the CSV table and the README describe them; the pending question, the draft poll, the
    held word and any device are absent."""
    ev = await make_event(redis, blocked_words=["nul"])
    ids = await asked_room(inprocess_app, ev)
    async with inprocess_app.client() as admin:
        doc = (await admin.get(f"/api/events/{ev.slug}/export.json",
                               headers=ev.admin_auth)).json()
        ndjson = (await admin.get(f"/api/events/{ev.slug}/export.ndjson",
                                  headers=ev.admin_auth)).text
        table = await admin.get(f"/api/events/{ev.slug}/export.csv?table=questions",
                                headers=ev.admin_auth)
        about = (await admin.get(f"/api/events/{ev.slug}/export.csv?table=readme&lang=en",
                                 headers=ev.admin_auth)).text
    assert [(q["id"], q["votes"], q["answer"], q["note"]) for q in doc["questions"]] == [
        (ids["bus"], 3, "follow_up", "L'adjoint répond par écrit"),
        (ids["pool"], 1, "answered", "Réouverture le 3 mars"),
        (ids["park"], 0, "", "")]
    assert doc["dataset"]["questions"] == 3 and doc["dataset"]["polls"] == 2
    polls = {p["question"]: p for p in doc["polls"]}
    assert set(polls) == {"Quel jour ?", "Un mot ?"}
    assert [o["votes"] for o in polls["Quel jour ?"]["options"]] == [1, 2]
    assert polls["Un mot ?"]["words"] == [{"text": "vivant", "count": 1}]
    lines = [json.loads(line) for line in ndjson.splitlines()]
    assert [line["id"] for line in lines if line["type"] == "question"] == [
        ids["bus"], ids["pool"], ids["park"]]
    assert sum(line["type"] == "poll" for line in lines) == 2
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"), newline="")))
    assert [(r["id"], r["votes"], r["answer"]) for r in rows] == [
        (ids["bus"], "3", "follow_up"), (ids["pool"], "1", "answered"), (ids["park"], "0", "")]
    assert rows[0]["text"] == "'=Pourquoi la navette a-t-elle disparu ?"  # no formula
    assert f"{ev.slug}-questions.csv" in about and "`note`" in about
    everything = json.dumps(doc, ensure_ascii=False) + ndjson + table.text
    assert ids["pending"] not in everything and "\"nul\"" not in everything
    assert "author_key" not in everything and "Brouillon" not in everything


async def test_the_report_lists_questions_with_their_answer_state_and_the_polls(
        inprocess_app: InProcessApp, redis: Redis) -> None:
    """The report (French) lists the three questions, most upvoted first, with "Suivi
    promis", "Répondu", "Sans réponse" and the notes; and the closed poll's results."""
    ev = await make_event(redis)
    await asked_room(inprocess_app, ev)
    event = await get_event(redis, ev.slug)
    assert event is not None
    html = render_report(await build(redis, event), "fr")
    section = unescape(html.split('id="questions"')[1].split("</section>")[0])
    assert "3 question(s) approuvée(s), les plus soutenues d'abord : 1 répondue(s), 1 avec " \
        "un suivi promis, 1 sans réponse." in section
    order = [section.index(t) for t in ("Pourquoi la navette", "Quand rouvre la piscine",
                                        "Et le parc Beaulieu")]
    assert order == sorted(order)
    assert "Suivi promis</strong>: L'adjoint répond par écrit" in section
    assert "Répondu</strong>: Réouverture le 3 mars" in section
    assert "Sans réponse</strong>" in section and "jamais approuvée" not in html
    polls = html.split('id="polls"')[1].split("</section>")[0]
    assert "Quel jour ?" in polls and "B. Mardi</th><td>2</td><td>67 %" in polls
    assert "Brouillon" not in polls


def test_cli_csv_export_writes_the_questions_table(redis_url: str, tmp_path: Path) -> None:
    """`clameur export --format csv` writes <name>-questions.csv beside the items."""
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    slug = "export-questions-cli"
    subprocess.run([sys.executable, "-m", "wall", "event", "create", slug, "--title", "Q"],
                   env=env, cwd=ROOT, capture_output=True, timeout=timeout(30))
    out = tmp_path / "out" / f"{slug}-items.csv"
    done = subprocess.run([sys.executable, "-m", "wall", "export", slug, "--output", str(out)],
                          env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout(30))
    assert done.returncode == 0, done.stderr
    questions = out.with_name(f"{slug}-questions.csv").read_bytes()
    assert questions.decode("utf-8-sig").splitlines()[0] == \
        "id,received_at,source,author,text,votes,answer,note,answered_at"
    assert f"{slug}-questions.csv" in out.with_name(f"{slug}-README.md").read_text()


async def test_export_of_questions_needs_an_admin_token(app_client: httpx.AsyncClient,
                                                      event: EventFixture) -> None:
    """The questions table is open data for admins to publish: 401 without a token."""
    res = await app_client.get(f"/api/events/{event.slug}/export.csv?table=questions")
    assert res.status_code == 401
