"""What each key does: decisions, undo, selection, filter, tabs, mode, help, quit.

Key presses become jobs run one after the other by a single worker, so `a` then `u` always
undoes that `a`, however slow the network. Network work never runs in a key handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, TabbedContent

from moderator_tui.i18n import _
from moderator_tui.model import Item
from moderator_tui.ops import Op
from moderator_tui.screens.confirm import ConfirmScreen
from moderator_tui.screens.help import HelpScreen
from moderator_tui.session import DeskSession
from moderator_tui.widgets.queue import ItemList, QueueList
from moderator_tui.widgets.rules import RulesList

Job = Callable[[], Awaitable[Any]]


class FilterInput(Input):
    """`/` opens it; Enter keeps the filter, Esc clears it."""

    BINDINGS = [Binding("escape", "app.clear_filter", "Clear", show=False)]


class DeskActions(App[int]):
    """The desk's key bindings and their actions (the layout is in `ModeratorApp`)."""

    BINDINGS = [
        Binding("a", "approve", "approve"),
        Binding("r", "reject", "reject"),
        Binding("u", "undo", "undo"),
        Binding("question_mark", "help", "help"),
        Binding("p", "pin", "pin"),
        Binding("h", "highlight", "highlight"),
        Binding("t", "take_down", "take down"),
        Binding("b", "ban", "ban"),
        Binding("T", "trust", "trust"),
        Binding("slash", "filter", "filter"),
        Binding("m", "mode", "mode"),
        Binding("q", "quit_desk", "quit"),
        Binding("space", "toggle_select", "select", show=False),
        Binding("1", "show_tab('queue-tab')", "queue", show=False),
        Binding("2", "show_tab('rules-tab')", "rules", show=False),
        Binding("R", "reconnect", "reconnect", show=False),
    ]
    session: DeskSession
    jobs: asyncio.Queue[Job]
    _quit_armed: bool

    def _active_list(self) -> ItemList:
        focused = self.focused
        if isinstance(focused, ItemList):
            return focused
        if self.query_one(TabbedContent).active == "rules-tab":
            return self.query_one("#rules", RulesList)
        return self.query_one("#queue", QueueList)

    def _current(self) -> Item | None:
        item_id = self._active_list().highlighted_id
        return self.session.model.find(item_id) if item_id else None

    def enqueue(self, job: Job, background: bool = False) -> None:
        """Run `job` after the ones before it (author look-ups run beside them)."""
        if background:
            self.run_worker(job(), group="lookups", exit_on_error=False)
        else:
            self.jobs.put_nowait(job)

    @work(group="jobs", exit_on_error=False)
    async def _run_jobs(self) -> None:
        while True:
            job = await self.jobs.get()
            try:
                await job()
            except Exception as exc:  # noqa: BLE001 - shown to the moderator, never a traceback
                self.session.model.notify(_("Unexpected error: {error}").format(error=exc),
                                          "error")
                self.session.changed()
            finally:
                self.jobs.task_done()

    async def settled(self) -> None:
        """Every queued job done (tests and scripts wait on this)."""
        await self.jobs.join()

    def _say(self, text: str, level: str = "warning") -> None:
        self.session.model.notify(text, level)
        self.session.changed()

    # -- actions ---------------------------------------------------------------------------
    def _decide_selected(self, action: str) -> None:
        model = self.session.model
        ids = model.targets(self.query_one("#queue", QueueList).highlighted_id)
        if not ids:
            self._say(_("Nothing to decide."))
            return
        model.selected.clear()
        self.enqueue(lambda: self.session.decide(ids, action))

    def action_approve(self) -> None:
        lst, item = self._active_list(), self._current()
        if isinstance(lst, QueueList):
            self._decide_selected("approve")
        elif isinstance(lst, RulesList) and item:
            state = self._rule_state(item["id"])
            if state in ("rejected", "retracted"):
                self.enqueue(lambda: self.session.decide([item["id"]], "approve", state))
            else:
                self._say(_("Already on the wall."))
        else:
            self._say(_("Already on the wall."))

    def action_reject(self) -> None:
        if isinstance(self._active_list(), QueueList):
            self._decide_selected("reject")
        else:
            self._say(_("Already approved: press t to take it down."))

    def _rule_state(self, item_id: str) -> str:
        for entry in self.session.model.rules:
            if entry.item["id"] == item_id:
                return entry.state
        return ""

    def _on_wall_ops(self, item: Item, action: str) -> list[Op]:
        """Pin/highlight: a pending item is approved first."""
        ops = []
        if item["id"] in self.session.model.queue:
            ops.append(Op("decide", item["id"], "approve"))
        ops.append(Op("decide", item["id"], action))
        return ops

    def action_pin(self) -> None:
        item = self._current()
        if item is None:
            return
        pinned = (self.session.model.wall.get("pinned") or {}).get("id")
        ops = [Op("decide", item["id"], "unpin")] if pinned == item["id"] \
            else self._on_wall_ops(item, "pin")
        self.enqueue(lambda: self.session.outbox.perform(ops))

    def action_highlight(self) -> None:
        item = self._current()
        if item is not None:
            ops = self._on_wall_ops(item, "highlight")
            self.enqueue(lambda: self.session.outbox.perform(ops))

    def action_take_down(self) -> None:
        item = self._current()
        if item is None:
            return
        if item["id"] in self.session.model.queue:
            self._say(_("Not on the wall: press r to reject it."))
            return
        self.enqueue(lambda: self.session.decide([item["id"]], "retract"))

    def action_ban(self) -> None:
        item = self._current()
        if item is not None:
            self.enqueue(lambda: self.session.ban(item["id"]))

    def action_trust(self) -> None:
        item = self._current()
        if item is not None:
            self.enqueue(lambda: self.session.trust(item["id"]))

    def action_undo(self) -> None:
        self.enqueue(self.session.outbox.undo)

    def action_toggle_select(self) -> None:
        queue = self.query_one("#queue", QueueList)
        if queue.highlighted_id:
            self.session.model.toggle(queue.highlighted_id)
            self.session.changed()
            queue.action_cursor_down()

    def action_filter(self) -> None:
        box = self.query_one("#filter", FilterInput)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.session.model.query = event.value
        self.session.changed()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        self.query_one("#queue", QueueList).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", FilterInput)
        box.value = ""
        box.display = False
        self.session.model.query = ""
        self.session.changed()
        self.query_one("#queue", QueueList).focus()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one("#rules" if tab == "rules-tab" else "#queue", ItemList).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_mode(self) -> None:
        target = "post" if self.session.model.mode == "pre" else "pre"
        question = _("Switch to post-moderation? Everything will show at once.") \
            if target == "post" else _("Switch to pre-moderation? Nothing will show "
                                       "until approved.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.enqueue(lambda: self.session.set_mode(target))

        self.push_screen(ConfirmScreen(question), answered)

    def action_reconnect(self) -> None:
        self.session.live.retry_now()

    def action_quit_desk(self) -> None:
        unsent = len(self.session.outbox.unsent)
        if unsent and not self._quit_armed:
            self._quit_armed = True
            self._say(_("{n} decision(s) not sent yet: press q again to quit anyway.").format(
                n=unsent), "warning")
            return
        self.exit(0)
