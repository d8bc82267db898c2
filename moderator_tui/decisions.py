"""Decisions as the desk makes them: sent at once, or kept in order while offline.

A decision goes out over HTTP at once. When the server cannot be reached it waits in the
outbox (shown in the header), in order, until the server answers again; a resend it had
already applied comes back as a 409 naming us, which counts as done — so nothing is lost
and nothing is applied twice. The last decision (or batch) is remembered for undo.
"""

from __future__ import annotations

import asyncio
from typing import Any

from moderator_tui.client import ApiError, Conflict, DeskClient, Offline
from moderator_tui.i18n import _
from moderator_tui.model import TARGET_STATE, DeskModel
from moderator_tui.ops import Op, inverse


class Decisions:
    """Mixed into `DeskSession`, which provides the model, the client and `changed()`."""

    model: DeskModel
    client: DeskClient
    outbox: list[Op]
    last: list[Op]
    _flush_lock: asyncio.Lock

    def changed(self) -> None:
        raise NotImplementedError

    def schedule(self, *names: str) -> None:
        raise NotImplementedError

    async def decide(self, ids: list[str], action: str, expected: str = "") -> int:
        """Apply `action` to each item; returns how many were applied (or queued)."""
        return await self.perform([Op("decide", i, action, expected) for i in ids])

    async def ban(self, item_id: str) -> int:
        """Ban the author (their future items are rejected) and reject this item if pending."""
        ops = [Op("flag", item_id, flag="banned", on=True)]
        if item_id in self.model.queue:
            ops.append(Op("decide", item_id, "reject"))
        return await self.perform(ops)

    async def trust(self, item_id: str) -> int:
        """Trust the author (their future items are approved) and approve this one if pending."""
        ops = [Op("flag", item_id, flag="trusted", on=True)]
        if item_id in self.model.queue:
            ops.append(Op("decide", item_id, "approve"))
        return await self.perform(ops)

    async def undo(self) -> int:
        """Send the inverse of the last decision (or batch) this desk made."""
        if not self.last:
            self.model.notify(_("Nothing to undo."), "warning")
            self.changed()
            return 0
        ops, self.last = self.last, []
        done = await self.perform(ops, remember=False)
        if done:
            self.model.notify(_("Undone."))
            self.changed()
        return done

    async def perform(self, ops: list[Op], remember: bool = True) -> int:
        done: list[Op] = []
        for op in ops:
            removed = self._optimistic(op)
            if self.model.connection != "connected" or self.outbox:
                # Behind earlier unsent decisions: keep the order (approve before pin).
                self._queue_offline(op)
                done.append(op)
                continue
            outcome = await self._send(op)
            if outcome == "offline":
                self._queue_offline(op)
                done.append(op)
            elif outcome == "ok":
                done.append(op)
            elif removed is not None and outcome == "failed":
                self.model.add(removed)
        if remember and done:
            undo = [inv for op in reversed(done) if (inv := inverse(op)) is not None]
            self.last = undo
        self.changed()
        if self.outbox and self.model.connection == "connected" and \
                not self._flush_lock.locked():
            await self.flush()
        return len(done)

    def _optimistic(self, op: Op) -> dict[str, Any] | None:
        """Take an approved/rejected item out of the queue before the server answers."""
        if op.kind == "decide" and op.action in ("approve", "reject"):
            return self.model.remove(op.item_id)
        return None

    def _queue_offline(self, op: Op) -> None:
        if op not in self.outbox:
            self.outbox.append(op)
        self.model.notify(_("Not sent yet: {n} decision(s) waiting, sent as soon as the server "
                            "answers.").format(
            n=len(self.outbox)), "warning")

    async def _send(self, op: Op) -> str:
        """`ok`, `offline`, `conflict` (someone else decided first) or `failed`."""
        try:
            if op.kind == "flag":
                await self.client.flag_author(op.item_id, op.flag, op.on)
            else:
                await self.client.decide(op.item_id, op.action, op.expected)
            return "ok"
        except Offline:
            return "offline"
        except Conflict as exc:
            if exc.decided_by == self.model.moderator and \
                    exc.state == TARGET_STATE.get(op.action):
                return "ok"  # our own earlier send got through: nothing to do twice
            self.model.notify(_("Too late: already {state} by {who}.").format(
                state=_(exc.state), who=exc.decided_by or _("someone")), "warning")
            return "conflict"
        except ApiError as exc:
            self.model.notify(_("Refused by the server: {message}").format(
                message=exc.message), "error")
            return "failed"

    async def flush(self) -> None:
        """Send what was decided offline, in order; stop at the first network failure."""
        async with self._flush_lock:
            sent = 0
            while self.outbox and self.model.connection == "connected":
                op = self.outbox[0]
                outcome = await self._send(op)
                if outcome == "offline":
                    break
                self.outbox.pop(0)
                sent += outcome == "ok"
                if outcome == "failed":
                    self.schedule("queue")
            if sent:
                self.model.notify(_("{n} waiting decision(s) sent.").format(n=sent))
            self.changed()

    async def set_mode(self, mode: str) -> bool:
        try:
            await self.client.set_mode(mode)
        except Offline:
            self.model.notify(_("Offline: the mode was not changed."), "error")
        except ApiError as exc:
            text = _("Only an admin token can switch the moderation mode.") \
                if exc.status == 403 else exc.message
            self.model.notify(text, "error")
        else:
            self.model.mode = mode
            self.model.notify(_("Moderation mode: {mode}.").format(mode=_(mode + "-moderation")))
            self.changed()
            return True
        self.changed()
        return False
