"""The Textual moderation desk: the layout over `DeskSession`, redrawn from its model.

The keys and what they do are in `actions.py`; this module builds the screen and redraws it
whenever the session reports a change (and every 30 s, for the ages).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, OptionList, Static, TabbedContent, TabPane

from moderator_tui.actions import DeskActions, FilterInput, Job
from moderator_tui.ages import Clock, system_clock
from moderator_tui.config import DeskConfig
from moderator_tui.i18n import _
from moderator_tui.messages import SessionChanged
from moderator_tui.session import DeskSession
from moderator_tui.widgets.detail import DetailPane, detail_text
from moderator_tui.widgets.queue import QueueList, item_prompt
from moderator_tui.widgets.rules import RulesList, rule_prompt
from moderator_tui.widgets.status import DeskHeader
from moderator_tui.widgets.wall import WallList, wall_entries

AGE_REFRESH = 30.0
MAX_LISTED = 60  # the oldest first; rebuilding a longer list slows every keystroke


class ModeratorApp(DeskActions):
    """`clameur moderate` and the TUI of `clameur up`."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Clameur"

    def __init__(self, config: DeskConfig, clock: Clock = system_clock) -> None:
        super().__init__()
        self.config = config
        self.clock = clock
        self.session = DeskSession(config)
        self.jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._redraw_pending = False
        self._quit_armed = False
        self._translate_bindings()

    def _translate_bindings(self) -> None:
        """Footer labels in the desk's language (BINDINGS hold the English msgids)."""
        table = self._bindings.key_to_bindings
        for key, bindings in table.items():
            table[key] = [replace(b, description=_(b.description)) for b in bindings]

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield DeskHeader(id="header")
        with TabbedContent(initial="queue-tab", id="tabs"):
            with TabPane(_("Queue"), id="queue-tab"):
                with Horizontal(id="queue-row"):
                    with Vertical(id="queue-col"):
                        yield QueueList(id="queue")
                        yield Static(_("No pending items."), id="queue-empty")
                    with Vertical(id="side"):
                        yield DetailPane(id="detail")
                        yield Static(_("On the wall now"), id="wall-title")
                        yield WallList(id="wall")
            with TabPane(_("Automatic rules"), id="rules-tab"):
                yield Static(_("a: approve anyway · t: take down · p/h: pin/highlight"),
                             id="rules-hint")
                yield RulesList(id="rules")
        yield FilterInput(placeholder=_("filter: words of the text, author or source"),
                          id="filter")
        yield Static("", id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"Clameur — {self.config.event}"
        self.session.listeners.append(self._session_changed)
        self.run_worker(self.session.run(), name="live", exit_on_error=False)
        self._run_jobs()
        self.set_interval(AGE_REFRESH, self.redraw)
        self.query_one("#queue", QueueList).focus()
        self.redraw()

    async def on_unmount(self) -> None:
        await self.session.close()

    # -- model → screen --------------------------------------------------------------------
    def _session_changed(self) -> None:
        if not self._redraw_pending:
            self._redraw_pending = True
            self.post_message(SessionChanged())

    def on_session_changed(self, _message: SessionChanged) -> None:
        self._redraw_pending = False
        self.redraw()

    def redraw(self) -> None:
        model, now = self.session.model, self.clock()
        tick = int(now.timestamp() // AGE_REFRESH)
        self.query_one(DeskHeader).show(model)
        visible = model.visible()
        shown = visible[:MAX_LISTED]
        more = _("… and {n} more: decide these first, or filter with /").format(
            n=len(visible) - len(shown)) if len(visible) > len(shown) else ""
        self.query_one("#queue", QueueList).show(
            (tuple(i["id"] for i in shown), frozenset(model.selected), tick, more),
            lambda: [(i["id"], item_prompt(i, now, i["id"] in model.selected)) for i in shown],
            more)
        empty = self.query_one("#queue-empty", Static)
        empty.display = not visible
        empty.update(_("No item matches the filter.") if model.query and model.queue
                     else _("No pending items."))
        self.query_one("#wall", WallList).show((repr(model.wall), tick),
                                               lambda: wall_entries(model.wall, now))
        title = _("On the wall now") + f" ({model.wall.get('count', 0)})"
        self.query_one("#wall-title", Static).update(title)
        self.query_one("#rules", RulesList).show(
            (tuple((e.item["id"], e.state) for e in model.rules), tick),
            lambda: [(e.item["id"], rule_prompt(e, now)) for e in model.rules])
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("queue-tab").label = _("Queue") + f" ({len(model.queue)})"
        tabs.get_tab("rules-tab").label = _("Automatic rules") + f" ({len(model.rules)})"
        self._show_detail()
        self._show_notice()

    def _show_notice(self) -> None:
        model = self.session.model
        notice = model.last_notice
        bar = self.query_one("#notice", Static)
        hint = _("You moderate as {name}. Press ? for every key.").format(
            name=model.moderator) if model.moderator else ""
        bar.update(Text(notice.text if notice else hint))  # may quote audience text
        for level in ("info", "warning", "error"):
            bar.set_class(bool(notice and notice.level == level), f"-{level}")

    def _show_detail(self) -> None:
        source = self._active_list()
        if isinstance(source, RulesList):
            source = self.query_one("#queue", QueueList)
        item_id = source.highlighted_id
        item = self.session.model.find(item_id) if item_id else None
        key = (item or {}).get("author_key") or ""
        author = self.session.model.authors.get(key)
        self.query_one(DetailPane).update(detail_text(item, author, self.clock()))
        if item_id and key and author is None:
            self.enqueue(lambda: self.session.load_author(item_id), background=True)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show_detail()
