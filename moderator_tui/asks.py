"""The desk's questions and polls, without a screen: the approved questions ranked by votes,
the event's polls, what the wall shows, and the calls that change them.

Read at each (re)connection (`refresh`), then kept in step by frames: `votes` (a question's
count or answer), `poll` (a poll opened, closed or voted on), `mode` (the wall switched),
and decision frames (a question approved or taken down).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moderator_tui.client import ApiError, DeskClient, Offline
from moderator_tui.i18n import _
from wall import protocol

Notify = Callable[[str, str], None]
WALL_MODES = ("feed", "questions", "poll")


@dataclass
class AsksModel:
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, dict[str, Any]] = field(default_factory=dict)  # oldest first
    mode: str = "feed"

    def ranked(self) -> list[dict[str, Any]]:
        """Most votes first, then oldest first (as the server ranks them)."""
        return sorted(self.questions.values(),
                      key=lambda q: (-int(q.get("votes", 0)), str(q.get("received_at", "")),
                                     str(q["id"])))

    def open_poll(self) -> dict[str, Any] | None:
        return next((p for p in self.polls.values() if p.get("status") == "open"), None)


class AsksDesk:
    """Questions, polls and the wall's mode for one desk; `changed()` after every change."""

    def __init__(self, client: DeskClient, changed: Callable[[], None],
                 notify: Notify) -> None:
        self.client = client
        self.changed = changed
        self.notify = notify
        self.model = AsksModel()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None
                    ) -> dict[str, Any] | None:
        """The answer, or None once the failure is told to the moderator."""
        try:
            return dict(await self.client._call(method, path, body))
        except Offline:
            self.notify(_("Offline: nothing was changed."), "error")
        except ApiError as exc:
            self.notify(exc.message, "error")
        self.changed()
        return None

    async def refresh(self) -> None:
        """Questions, polls and the wall's mode, read again (at each connection)."""
        with contextlib.suppress(Offline, ApiError):
            questions = await self.client._call("GET", "/questions")
            polls = await self.client._call("GET", "/polls")
            mode = await self.client._call("GET", "/wall-mode")
            self.model.questions = {q["id"]: q for q in questions["items"]}
            self.model.polls = {p["id"]: p for p in polls["polls"]}
            self.model.mode = mode.get("mode", "feed")
            self.changed()

    # -- frames ----------------------------------------------------------------------------
    def on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == protocol.VOTES:
            question = self.model.questions.get(frame["id"])
            if question is None:
                return  # not approved yet (or marked a question since): the next refresh
            question.update(votes=frame["votes"], answer=frame.get("answer"),
                            note=frame.get("note", ""))
        elif kind == protocol.POLL:
            poll = frame["poll"]
            self.model.polls[poll["id"]] = {**self.model.polls.get(poll["id"], {}), **poll}
        elif kind == protocol.MODE:
            self.model.mode = frame.get("mode", "feed")
        else:
            return
        self.changed()

    def on_decision(self, frame: dict[str, Any]) -> None:
        """A question approved joins the list; one taken down leaves it."""
        item = frame.get("item") or {}
        if item.get("kind") != "question" and frame["id"] not in self.model.questions:
            return
        if frame.get("to") == "approved" and frame["id"] not in self.model.questions:
            self.model.questions[frame["id"]] = {
                "id": item["id"], "text": item.get("text", ""), "author": item.get("author", ""),
                "source": item.get("source", ""), "received_at": item.get("received_at", ""),
                "votes": 0, "answer": None, "note": ""}
        elif frame.get("to") not in (None, "approved"):
            self.model.questions.pop(frame["id"], None)
        else:
            return
        self.changed()

    # -- actions ---------------------------------------------------------------------------
    async def answer(self, question_id: str, answer: str | None, note: str = "") -> bool:
        done = await self._call("POST", f"/items/{question_id}/answer",
                                {"answer": answer, "note": note})
        if done is not None and question_id in self.model.questions:
            self.model.questions[question_id].update(answer=answer, note=done.get("note", ""))
            self.changed()
        return done is not None

    async def create_poll(self, question: str, options: list[str]) -> str | None:
        """A poll with these options, or a word cloud when there are none; its id."""
        body: dict[str, Any] = {"question": question}
        body.update({"options": options} if options else {"type": "words"})
        made = await self._call("POST", "/polls", body)
        if made is None:
            return None
        self.model.polls[made["id"]] = {
            "id": made["id"], "question": question, "status": "draft",
            "type": "choice" if options else "words", "total": 0,
            **({"options": [{"text": o, "votes": 0} for o in options]} if options
               else {"words": []})}
        self.notify(_("Poll created: press o to open it."), "info")
        self.changed()
        return str(made["id"])

    async def switch_poll(self, poll_id: str, status: str) -> bool:
        """Open ("open") or close ("closed") a poll."""
        verb = "open" if status == "open" else "close"
        done = await self._call("POST", f"/polls/{poll_id}/{verb}")
        if done is not None and poll_id in self.model.polls:
            self.model.polls[poll_id]["status"] = status
            self.notify(_("Poll opened.") if status == "open" else _("Poll closed."), "info")
            self.changed()
        return done is not None

    async def set_wall_mode(self, mode: str) -> bool:
        done = await self._call("POST", "/wall-mode", {"mode": mode})
        if done is not None:
            self.model.mode = mode
            self.notify(_("The wall shows: {mode}.").format(mode=_(mode)), "info")
            self.changed()
        return done is not None
