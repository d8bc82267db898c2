"""The desk's client layer on its own (no screen): undo rules, refusals, filters."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import pytest

from moderator_tui.config import DeskConfig
from moderator_tui.jobs import JobQueue
from moderator_tui.model import matches
from moderator_tui.ops import Op, inverse, onto_wall
from moderator_tui.session import DeskSession
from tests.conftest import EventFixture
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall import protocol


def test_undo_sends_the_inverse_decision() -> None:
    """approve↔unapprove, reject→restore, retract→approve, pin↔unpin,
    highlight↔unhighlight, flags flip; a reveal has no undo."""
    pairs = {"approve": ("unapprove", ""), "unapprove": ("approve", ""),
             "reject": ("restore", "rejected"), "retract": ("approve", "retracted"),
             "pin": ("unpin", ""), "unpin": ("pin", ""), "highlight": ("unhighlight", ""),
             "unhighlight": ("highlight", "")}
    for action, (undo, expected) in pairs.items():
        assert inverse(Op("decide", "i", action)) == Op("decide", "i", undo, expected)
    assert inverse(Op("decide", "i", "reveal")) is None
    assert inverse(Op("flag", "i", flag="banned", on=True)) == \
        Op("flag", "i", flag="banned", on=False)


def test_pin_and_highlight_approve_a_pending_item_first() -> None:
    """`p`/`h` on a pending item approve it, then act; `p` on the pinned item unpins it."""
    assert onto_wall("i", "pin", True, None) == [Op("decide", "i", "approve"),
                                                 Op("decide", "i", "pin")]
    assert onto_wall("i", "highlight", False, "i") == [Op("decide", "i", "highlight")]
    assert onto_wall("i", "pin", False, "j") == [Op("decide", "i", "pin")]
    assert onto_wall("i", "pin", False, "i") == [Op("decide", "i", "unpin")]


async def test_jobs_run_in_order_and_a_failure_does_not_stop_the_next() -> None:
    """Jobs run one after the other; one that raises is reported, the next still runs."""
    done: list[str] = []
    errors: list[Exception] = []
    jobs = JobQueue(errors.append)

    async def slow() -> None:
        await asyncio.sleep(0.01)
        done.append("slow")

    async def failing() -> None:
        raise RuntimeError("boom")

    async def fast() -> None:
        done.append("fast")

    for job in (slow, failing, fast):
        jobs.put(job)
    runner = asyncio.create_task(jobs.run())
    try:
        await asyncio.wait_for(jobs.join(), timeout())
    finally:
        runner.cancel()
    assert done == ["slow", "fast"] and [str(e) for e in errors] == ["boom"]


def test_filter_matches_words_of_text_author_or_source() -> None:
    """Every word must match the text, the author or the source, ignoring case."""
    item = {"text": "Et le Tramway ?", "author": "Ana", "source": "sms"}
    assert matches(item, "tram") and matches(item, "ana SMS") and matches(item, "")
    assert not matches(item, "tram mastodon")


async def test_a_bad_token_stops_the_desk_with_a_message(server: ServerProcess,
                                                        event: EventFixture) -> None:
    """An unknown token: no endless retry, the desk says the server refused it."""
    session = DeskSession(DeskConfig(server.url, f"{event.slug}.not-a-token", event.slug, "en"))
    try:
        await asyncio.wait_for(session.run(), timeout())
    finally:
        await session.close()
    assert session.model.connection == "refused"
    notice = session.model.last_notice
    assert notice is not None and notice.text == "The server refused this token (unauthorised)."


def test_clameur_moderate_refuses_missing_token_or_bad_url() -> None:
    """`clameur moderate` says what is missing instead of starting a desk that cannot work."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLAMEUR_TOKEN", "CLAMEUR_SERVER")}
    base = [sys.executable, "-m", "wall", "moderate"]
    no_token = subprocess.run(base, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout(20))
    assert no_token.returncode == 2 and "--token" in no_token.stderr
    bad_url = subprocess.run([*base, "--token", "x.y", "--server", "ftp://host"], env=env,
                             cwd=ROOT, capture_output=True, text=True, timeout=timeout(20))
    assert bad_url.returncode == 2 and "http:// or https://" in bad_url.stderr


def _offline_session() -> DeskSession:
    """A session that never connects: its frames are fed by the test."""
    return DeskSession(DeskConfig("http://127.0.0.1:9", "ev.token", "ev", "en"))


def _overview(*recent: dict[str, Any]) -> dict[str, Any]:
    """A `GET /desk` answer with these items on the wall."""
    return {"event": {"title": "T", "mode": "pre"}, "moderator": "alice", "role": "moderator",
            "counters": {}, "wall": {"pinned": None, "highlighted": None,
                                     "recent": list(recent), "count": len(recent)}}


def _decision(action: str, item: dict[str, Any], with_item: bool = True) -> dict[str, Any]:
    fields = {"id": item["id"], "action": action, "by": "bob", "at": "", "rule": "",
              "from": "pending", "to": "approved", "position": ""}
    frame = protocol.decision(fields, item)
    if not with_item:
        del frame["item"]  # a server from before decision frames carried the item
    return frame


async def test_a_decision_frame_with_its_item_updates_the_wall_without_a_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """approve/pin frames carrying the item change the wall pane; no `GET /desk` asked."""
    session = _offline_session()
    asked: list[str] = []
    monkeypatch.setattr(session, "schedule", lambda *names: asked.extend(names))
    item = {"id": "i1", "text": "bonjour"}
    try:
        await session.live.on_frame(_decision("approve", item))
        await session.live.on_frame(_decision("pin", item))
    finally:
        await session.close()
    wall = session.model.wall
    assert [i["id"] for i in wall["recent"]] == ["i1"] and wall["pinned"] == item
    assert "desk" not in asked


async def test_a_decision_frame_without_its_item_rereads_the_desk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An older server's frame (no item): the wall pane is read again with `GET /desk`."""
    session = _offline_session()
    asked: list[str] = []
    monkeypatch.setattr(session, "schedule", lambda *names: asked.extend(names))
    try:
        await session.live.on_frame(_decision("approve", {"id": "i1"}, with_item=False))
    finally:
        await session.close()
    assert asked == ["desk"] and session.model.wall == {}


async def test_a_decision_during_the_desk_request_is_not_overwritten(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A `GET /desk` answer that may predate a decision frame is followed by another one."""
    session = _offline_session()
    item = {"id": "i1", "text": "bonjour"}
    answers = [_overview(), _overview(item)]  # the first was read before the approval
    asked, release = asyncio.Event(), asyncio.Event()
    calls = 0

    async def desk() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        asked.set()
        if calls == 1:
            await release.wait()
        return answers[calls - 1]

    monkeypatch.setattr(session.client, "desk", desk)
    try:
        session.schedule("desk")
        await asyncio.wait_for(asked.wait(), timeout())
        await session.live.on_frame(_decision("approve", item))
        assert [i["id"] for i in session.model.wall["recent"]] == ["i1"]
        release.set()
        await session.wait_for(lambda: calls == 2 and bool(session.model.wall["recent"]),
                               timeout())
    finally:
        await session.close()
