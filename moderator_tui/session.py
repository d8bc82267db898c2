"""The desk's behaviour, without a screen: a model kept in step with the server.

The live socket's frames update the model (decision frames carry the item, so the wall pane
follows them); the queue, the desk overview (read at each connection) and the rules tab are
re-read by coalesced refreshes; listeners (the screen) hear of every change. Decisions go
out through the session's `Outbox` (sending, the offline queue, undo).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from moderator_tui import i18n
from moderator_tui.asks import AsksDesk
from moderator_tui.client import AdminClient, ApiError, DeskClient, Offline
from moderator_tui.config import DeskConfig
from moderator_tui.i18n import _
from moderator_tui.live import LiveFeed
from moderator_tui.model import DeskModel, Item, RuleEntry
from moderator_tui.ops import Op, describe, past_tense
from moderator_tui.outbox import Outbox
from moderator_tui.spool import Spool
from wall import protocol


class DeskSession:
    """One moderator's desk: a model kept in step with the server."""

    def __init__(self, config: DeskConfig) -> None:
        i18n.use(config.lang)  # notices are worded in the desk's language
        self.config = config
        self.model = DeskModel()
        self.client = DeskClient(config)
        self.admin = AdminClient(self.client)  # settings, invitations, poster
        self.live = LiveFeed(config, self._on_frame, self._on_state)
        self.outbox = Outbox(self.model, self.client, self.changed,
                             lambda: self.schedule("queue"))
        self.listeners: list[Callable[[], None]] = []
        # Questions, polls and the wall's mode (moderator_tui/asks.py).
        self.asks = AsksDesk(self.client, self.changed, self.model.notify)
        self._waiters: set[asyncio.Event] = set()
        self._dirty: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refresher: asyncio.Task[None] | None = None
        self._fetching = ""  # the refresh whose answer is awaited now
        self._looking_up: set[str] = set()
        self.spool = Spool(Path(config.spool_dir), config) if config.spool_dir else None
        if self.spool is not None:
            # Left by the last run: sent first, once the socket is up (flush on `queue`).
            self.outbox.unsent = self.spool.load()
            self.model.outbox_size = len(self.outbox.unsent)

    # -- plumbing --------------------------------------------------------------------------
    def changed(self) -> None:
        self.model.touch()
        if self.spool is not None:
            self.spool.save(self.outbox.unsent)
        for listener in list(self.listeners):
            listener()
        for waiter in self._waiters:
            waiter.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Until `predicate()` holds, re-checked at every change (for tests and scripts)."""
        async def loop() -> None:
            while not predicate():
                waiter = asyncio.Event()
                self._waiters.add(waiter)
                try:
                    await waiter.wait()
                finally:
                    self._waiters.discard(waiter)

        await asyncio.wait_for(loop(), timeout)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """Keep the live socket until cancelled."""
        await self.live.run()

    async def close(self) -> None:
        if self.spool is not None:
            self.spool.save(self.outbox.unsent)
        for task in list(self._tasks) + ([self._refresher] if self._refresher else []):
            task.cancel()
        await self.client.close()

    def schedule(self, *names: str) -> None:
        """Refresh `queue`, `desk` or `rules` soon; repeated requests coalesce."""
        self._dirty.update(names)
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        while self._dirty:
            names, self._dirty = set(self._dirty), set()
            for name in ("queue", "desk", "rules"):
                if name in names:
                    self._fetching = name
                    with contextlib.suppress(Offline, ApiError):
                        await getattr(self, f"refresh_{name}")()
            self._fetching = ""
            self.changed()

    async def refresh_queue(self) -> None:
        items = await self.client.queue()
        waiting = self.outbox.waiting
        self.model.load_queue([i for i in items if i["id"] not in waiting])

    async def refresh_desk(self) -> None:
        desk = await self.client.desk()
        m = self.model
        m.title, m.mode = desk["event"]["title"], desk["event"]["mode"]
        m.timezone = str(desk["event"].get("timezone") or "")  # an older server names none
        m.moderator, m.role = desk["moderator"], desk["role"]
        m.counters, m.wall = desk["counters"], desk["wall"]

    async def refresh_rules(self) -> None:
        self.model.rules = [RuleEntry(r["item"], r["rule"], r["action"], r["state"])
                            for r in await self.client.rules()]

    async def load_author(self, item_id: str) -> None:
        """This item's author history, cached by author key until a decision touches it."""
        item = self.model.find(item_id)
        key = (item or {}).get("author_key")
        if not key or key in self.model.authors or key in self._looking_up:
            return
        self._looking_up.add(key)
        try:
            with contextlib.suppress(Offline, ApiError):
                self.model.authors[key] = await self.client.author(item_id)
                self.changed()
        finally:
            self._looking_up.discard(key)

    # -- decisions -------------------------------------------------------------------------
    async def decide(self, ids: list[str], action: str, expected: str = "") -> int:
        """Apply `action` to each item; returns how many were applied (or kept to send)."""
        return await self.outbox.perform([Op("decide", i, action, expected) for i in ids])

    async def ban(self, item_id: str) -> int:
        """Ban the author (their future items are rejected) and reject this item if pending."""
        ops = [Op("flag", item_id, flag="banned", on=True)]
        if item_id in self.model.queue:
            ops.append(Op("decide", item_id, "reject"))
        return await self.outbox.perform(ops)

    async def trust(self, item_id: str) -> int:
        """Trust the author (their future items are approved) and approve this one if pending."""
        ops = [Op("flag", item_id, flag="trusted", on=True)]
        if item_id in self.model.queue:
            ops.append(Op("decide", item_id, "approve"))
        return await self.outbox.perform(ops)

    async def set_mode(self, mode: str) -> bool:
        """Switch pre/post moderation (admin tokens only); whether it was switched."""
        if not await self._admin_call(
                self.client.set_mode(mode), _("Offline: the mode was not changed."),
                _("Only an admin token can switch the moderation mode.")):
            return False
        self.model.mode = mode
        self.model.notify(_("Moderation mode: {mode}.").format(mode=_(mode + "-moderation")))
        self.changed()
        return True

    async def set_status(self, status: str) -> bool:
        """Open or close the event (admin tokens only); whether it changed."""
        if not await self._admin_call(
                self.client.set_status(status), _("Offline: the event was not opened or closed."),
                _("Only an admin token can open or close the event.")):
            return False
        self.model.counters = {**self.model.counters, "status": status}
        self.model.notify(_("The event is open: phones can take part.") if status == "open"
                          else _("The event is closed: nothing new is taken in."))
        self.changed()
        return True

    async def _admin_call(self, call: Awaitable[Any], offline: str, forbidden: str) -> bool:
        """Await an admin-only call; False (said in the desk) when it could not be made."""
        try:
            await call
        except Offline:
            self.model.notify(offline, "error")
        except ApiError as exc:
            self.model.notify(forbidden if exc.status == 403 else exc.message, "error")
        else:
            return True
        self.changed()
        return False

    # -- live frames -----------------------------------------------------------------------
    async def _on_state(self, state: str, reason: str) -> None:
        before, self.model.connection = self.model.connection, state
        if state == "reconnecting" and before == "connected":
            self.model.notify(_("Connection lost; reconnecting…"), "warning")
        elif state == "refused":
            self.model.notify(_("The server refused this token ({reason}).").format(
                reason=reason), "error")
        elif state == "untrusted":
            self.model.notify(_("The server's certificate is not trusted ({reason}); "
                                "--insecure accepts a self-signed one.").format(reason=reason),
                              "error")
        self.changed()

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == protocol.QUEUE:
            self.model.moderator = frame.get("moderator", self.model.moderator)
            waiting = self.outbox.waiting
            self.model.load_queue([i for i in frame["items"] if i["id"] not in waiting])
            self.schedule("desk", "rules")
            self._spawn(self.outbox.flush())
            self._spawn(self.asks.refresh())
        elif kind == protocol.QUEUED:
            if frame.get("state") in (None, "pending") and \
                    frame["item"]["id"] not in self.outbox.waiting:
                self.model.add(frame["item"])
        elif kind == protocol.DECISION:
            self._on_decision(frame)
            self.asks.on_decision(frame)
        elif kind in (protocol.VOTES, protocol.POLL, protocol.MODE):
            self.asks.on_frame(frame)
            return
        elif kind == protocol.COUNTERS:
            self.model.counters = {k: v for k, v in frame.items() if k != "type"}
            self.model.mode = frame.get("mode", self.model.mode)
            if self.outbox.unsent and not self.outbox.flushing:
                # The socket stayed up but a send failed (a 503, a lost answer): the
                # server is answering again, so retry now rather than at the next reconnect.
                self._spawn(self.outbox.flush())
        else:
            return  # protocol.REACTIONS (up to 10/s): the counters carry the rate
        self.changed()

    def _on_decision(self, frame: dict[str, Any]) -> None:
        item_id, by, action = frame["id"], frame.get("by", ""), frame["action"]
        self.model.authors.clear()  # counts moved; the detail pane asks again
        if frame.get("to") == "pending":
            self.schedule("queue")
        elif item_id in self.model.queue:
            gone = self.model.remove(item_id)
            if by != self.model.moderator and gone is not None:
                who = _("the rules") if by == "rules" else by
                self.model.notify(_("{what} {done} by {who}").format(
                    what=describe(gone), done=past_tense(action), who=who))
        if action in protocol.WALL_ACTIONS:
            self._on_wall_action(action, frame.get("item"))
        if by == "rules" or any(e.item["id"] == item_id for e in self.model.rules):
            self.schedule("rules")

    def _on_wall_action(self, action: str, item: Item | None) -> None:
        """The wall pane follows the frame; `GET /desk` only from a server that sends no item."""
        if item is None:
            self.schedule("desk")
            return
        self.model.apply_wall_decision(action, item)
        if self._fetching == "desk":
            # That answer may predate this decision and would overwrite it: ask once more.
            self.schedule("desk")
