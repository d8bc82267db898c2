"""The desk's outbox on its own, with a scripted client: order, resends, conflicts, undo."""

from __future__ import annotations

from typing import Any

import pytest

from moderator_tui import i18n
from moderator_tui.client import ApiError, Conflict, Offline
from moderator_tui.model import DeskModel
from moderator_tui.ops import Op
from moderator_tui.outbox import Outbox


class ScriptedClient:
    """Answers each send with the next scripted outcome (None: accepted); records sends."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[tuple[str, ...]] = []

    async def _answer(self, *call: str) -> dict[str, Any]:
        self.sent.append(call)
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return {}

    async def decide(self, item_id: str, action: str, expected: str = "") -> dict[str, Any]:
        return await self._answer(item_id, action, expected)

    async def flag_author(self, item_id: str, flag: str, on: bool) -> dict[str, Any]:
        return await self._answer(item_id, flag, str(on))


class Desk:
    """An outbox over a model holding items `a`, `b`, `c`, connected as alice."""

    def __init__(self, client: ScriptedClient) -> None:
        self.model = DeskModel(moderator="alice", connection="connected")
        self.model.load_queue([{"id": i, "text": i, "received_at": i} for i in "abc"])
        self.resyncs = 0
        self.outbox = Outbox(self.model, client, lambda: None,  # type: ignore[arg-type]
                             self._resync)

    def _resync(self) -> None:
        self.resyncs += 1

    @property
    def notices(self) -> list[str]:
        return [n.text for n in self.model.notices]


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.use("en")


async def test_offline_decisions_wait_in_order_and_go_out_once_back() -> None:
    """Kept while offline (and shown as unsent), sent in the order they were made."""
    client = ScriptedClient()
    desk = Desk(client)
    desk.model.connection = "reconnecting"
    assert await desk.outbox.perform([Op("decide", "a", "approve"),
                                      Op("decide", "b", "reject")]) == 2
    assert [op.item_id for op in desk.outbox.unsent] == ["a", "b"]
    assert desk.model.outbox_size == 2 and list(desk.model.queue) == ["c"]
    assert client.sent == []
    desk.model.connection = "connected"
    await desk.outbox.flush()
    assert client.sent == [("a", "approve", ""), ("b", "reject", "")]
    assert desk.outbox.unsent == [] and desk.model.outbox_size == 0
    assert desk.notices[-1] == "2 waiting decision(s) sent."


async def test_a_decision_made_behind_unsent_ones_waits_its_turn() -> None:
    """A pin after an unsent approve is not sent before it: approve, then pin."""
    client = ScriptedClient(Offline("down"), Offline("still down"))
    desk = Desk(client)
    await desk.outbox.perform([Op("decide", "a", "approve"), Op("decide", "a", "pin")])
    assert client.sent == [("a", "approve", ""), ("a", "approve", "")]
    assert [op.action for op in desk.outbox.unsent] == ["approve", "pin"]
    await desk.outbox.flush()
    assert client.sent[2:] == [("a", "approve", ""), ("a", "pin", "")]
    assert desk.outbox.unsent == []


async def test_a_resend_already_applied_for_us_counts_as_done() -> None:
    """A 409 naming this moderator in the state asked for: the lost answer was a success."""
    desk = Desk(ScriptedClient(Offline("lost answer"), Conflict("", "approved", "alice")))
    await desk.outbox.perform([Op("decide", "a", "approve")])
    assert desk.outbox.unsent == []
    assert desk.notices[-1] == "1 waiting decision(s) sent."
    assert not any(text.startswith("Too late") for text in desk.notices)


async def test_someone_deciding_first_is_reported_not_retried() -> None:
    """A 409 naming someone else: "too late", and the decision is dropped."""
    desk = Desk(ScriptedClient(Conflict("", "rejected", "bob")))
    assert await desk.outbox.perform([Op("decide", "a", "approve")]) == 0
    assert desk.notices[-1] == "Too late: already rejected by bob."
    assert desk.outbox.unsent == [] and desk.outbox.last == []


async def test_a_refused_decision_puts_the_item_back() -> None:
    """Refused when sent: the item returns to the queue; refused on resend: reload it."""
    desk = Desk(ScriptedClient(ApiError(422, "bad", "no")))
    await desk.outbox.perform([Op("decide", "a", "reject")])
    assert "a" in desk.model.queue and desk.notices[-1] == "Refused by the server: no"
    desk = Desk(ScriptedClient(Offline("down"), ApiError(422, "bad", "no")))
    await desk.outbox.perform([Op("decide", "a", "reject")])
    assert desk.resyncs == 1 and desk.outbox.unsent == [] and "a" not in desk.model.queue


async def test_undo_sends_the_last_batch_inverted_newest_first() -> None:
    """Ban + reject is undone by restore then unban; a second undo has nothing left."""
    client = ScriptedClient()
    desk = Desk(client)
    await desk.outbox.perform([Op("flag", "a", flag="banned", on=True),
                               Op("decide", "a", "reject")])
    assert await desk.outbox.undo() == 2
    assert client.sent[2:] == [("a", "restore", "rejected"), ("a", "banned", "False")]
    assert desk.notices[-1] == "Undone."
    assert await desk.outbox.undo() == 0
    assert desk.notices[-1] == "Nothing to undo."
