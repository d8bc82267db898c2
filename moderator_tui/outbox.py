"""The desk's outbox: decisions sent in order, kept while the server is away, undone on demand.

A decision goes out over HTTP at once. When the server cannot be reached it waits here
(shown in the header), in order, until the server answers again; a resend it had already
applied comes back as a 409 naming us, which counts as done — so nothing is lost and nothing
is applied twice. The last decision (or batch) is remembered for undo.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from moderator_tui.client import ApiError, Conflict, DeskClient, Offline
from moderator_tui.i18n import _
from moderator_tui.model import TARGET_STATE, DeskModel, Item
from moderator_tui.ops import Op, inverse


class Outbox:
    """Sends a desk's operations; owned by `DeskSession`.

    `changed` is called after every change to the model; `resync` when a resent decision
    was refused, since the item it took out of the queue may still be pending.
    """

    def __init__(self, model: DeskModel, client: DeskClient, changed: Callable[[], None],
                 resync: Callable[[], None]) -> None:
        self.model = model
        self.client = client
        self.changed = changed
        self.resync = resync
        self.unsent: list[Op] = []
        self.last: list[Op] = []
        self._flush_lock = asyncio.Lock()

    @property
    def waiting(self) -> set[str]:
        """Items with a decision not sent yet: a queue reload must not bring them back."""
        return {op.item_id for op in self.unsent}

    @property
    def flushing(self) -> bool:
        return self._flush_lock.locked()

    async def perform(self, ops: list[Op], remember: bool = True) -> int:
        """Send `ops` in order (or keep them); how many were applied or kept."""
        done: list[Op] = []
        for op in ops:
            removed = self._optimistic(op)
            if self.model.connection != "connected" or self.unsent:
                # Behind earlier unsent decisions: keep the order (approve before pin).
                self._keep(op)
                done.append(op)
                continue
            outcome = await self._send(op)
            if outcome == "offline":
                self._keep(op)
                done.append(op)
            elif outcome == "ok":
                done.append(op)
            elif removed is not None and outcome == "failed":
                self.model.add(removed)
        if remember and done:
            self.last = [inv for op in reversed(done) if (inv := inverse(op)) is not None]
        self.changed()
        if self.unsent and self.model.connection == "connected" and not self.flushing:
            await self.flush()
        return len(done)

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

    async def flush(self) -> None:
        """Send what was kept, in order; stop at the first network failure."""
        async with self._flush_lock:
            sent = 0
            while self.unsent and self.model.connection == "connected":
                outcome = await self._send(self.unsent[0])
                if outcome == "offline":
                    break
                self.unsent.pop(0)
                self.model.outbox_size = len(self.unsent)
                sent += outcome == "ok"
                if outcome == "failed":
                    self.resync()
            if sent:
                self.model.notify(_("{n} waiting decision(s) sent.").format(n=sent))
            self.changed()

    def _optimistic(self, op: Op) -> Item | None:
        """Take an approved/rejected item out of the queue before the server answers."""
        if op.kind == "decide" and op.action in ("approve", "reject"):
            return self.model.remove(op.item_id)
        return None

    def _keep(self, op: Op) -> None:
        if op not in self.unsent:
            self.unsent.append(op)
            self.model.outbox_size = len(self.unsent)
        self.model.notify(_("Not sent yet: {n} decision(s) waiting, sent as soon as the server "
                            "answers.").format(n=len(self.unsent)), "warning")

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
