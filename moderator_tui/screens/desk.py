"""The desk itself: queue, detail, wall list and rules tab, and what each key does.

The screen redraws from the session's model whenever the session reports a change (and
every 30 s, for the ages). Keys that need the network queue a job (`jobs.py`): a key handler
never waits on the server.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, TabbedContent, TabPane

from moderator_tui.ages import Clock
from moderator_tui.i18n import _
from moderator_tui.jobs import Job, JobQueue
from moderator_tui.messages import SessionChanged
from moderator_tui.model import Item
from moderator_tui.ops import onto_wall
from moderator_tui.screens.confirm import ConfirmScreen
from moderator_tui.screens.help import HelpScreen
from moderator_tui.screens.invitations import InvitationsScreen
from moderator_tui.screens.poster import PosterScreen, save_poster
from moderator_tui.screens.settings import SettingsScreen
from moderator_tui.session import DeskSession
from moderator_tui.widgets.detail import DetailPane, detail_text
from moderator_tui.widgets.filter import FilterInput
from moderator_tui.widgets.keybar import KeyBar
from moderator_tui.widgets.notice import NoticeBar
from moderator_tui.widgets.questions import AsksPane
from moderator_tui.widgets.queue import ItemList, QueueList
from moderator_tui.widgets.rules import RulesList
from moderator_tui.widgets.status import DeskHeader
from moderator_tui.widgets.wall import WallList

AGE_REFRESH = 30.0
ADMIN_ACTIONS = {"mode", "event_status"}  # the server refuses them to a moderator token


class DeskScreen(Screen[None]):
    """The main layout over one `DeskSession`; the clock is injected for snapshots."""

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
        Binding("e", "event_status", "open/close"),
        # The organiser's screens (admin; `?` lists them): the key bar keeps two lines at 80.
        Binding("s", "settings", "settings", show=False),
        Binding("i", "invitations", "invitations", show=False),
        Binding("P", "poster", "poster", show=False),
        Binding("q", "quit_desk", "quit"),
        Binding("space", "toggle_select", "select", show=False),
        Binding("1", "show_tab('queue-tab')", "queue", show=False),
        Binding("2", "show_tab('rules-tab')", "rules", show=False),
        Binding("3", "show_tab('asks-tab')", "questions", show=False),
        Binding("R", "reconnect", "reconnect", show=False),
        Binding("v", "reveal", "reveal image", show=False),
    ]

    def __init__(self, session: DeskSession, clock: Clock) -> None:
        super().__init__()
        self.session = session
        self.clock = clock
        self.jobs = JobQueue(lambda exc: self._say(
            _("Unexpected error: {error}").format(error=exc), "error"))
        self._redraw_pending = False
        self._quit_armed = False
        self._asking_quit = False
        self._translate_bindings()

    def _translate_bindings(self) -> None:
        """Footer labels in the desk's language (BINDINGS hold the English msgids)."""
        table = self._bindings.key_to_bindings
        for key, bindings in table.items():
            table[key] = [replace(b, description=_(b.description)) for b in bindings]

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield DeskHeader(self.session.config.join_url, id="header")
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
            with TabPane(_("Questions and polls"), id="asks-tab"):
                yield AsksPane(self.session, id="asks")
        yield FilterInput(placeholder=_("filter: words of the text, author or source"),
                          id="filter")
        yield NoticeBar("", id="notice")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.session.listeners.append(self._session_changed)
        self.run_worker(self.jobs.run(), group="jobs", exit_on_error=False)
        self.set_interval(AGE_REFRESH, self.redraw)
        self.query_one("#queue", QueueList).focus()
        self.redraw()

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
        self.query_one("#queue", QueueList).show_queue(visible, model.selected, now, tick)
        empty = self.query_one("#queue-empty", Static)
        empty.display = not visible
        empty.update(_("No item matches the filter.") if model.query and model.queue
                     else _("No pending items."))
        self.query_one("#wall", WallList).show_wall(model.wall, now, tick)
        title = _("On the wall now") + f" ({model.wall.get('count', 0)})"
        self.query_one("#wall-title", Static).update(title)
        self.query_one("#rules", RulesList).show_rules(model.rules, now, tick)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("queue-tab").label = _("Queue") + f" ({len(model.queue)})"
        tabs.get_tab("rules-tab").label = _("Automatic rules") + f" ({len(model.rules)})"
        tabs.get_tab("asks-tab").label = _("Questions and polls") + \
            f" ({len(self.session.asks.model.questions)})"
        self.query_one(AsksPane).show()
        self._show_detail()
        self.query_one(NoticeBar).show(model)
        self.query_one(KeyBar).show(self._shown_keys())

    def _shown_keys(self) -> list[tuple[str, str]]:
        """The key bar: every shown binding, in the desk's language, admin keys for admins
        (all of them until the server has said which role we have)."""
        role = self.session.model.role
        return [(self.app.get_key_display(b), _(b.description)) for b in self.BINDINGS
                if isinstance(b, Binding) and b.show
                and not (role and role != "admin" and b.action in ADMIN_ACTIONS)]

    def _show_detail(self) -> None:
        source = self._active_list()
        if isinstance(source, RulesList):
            source = self.query_one("#queue", QueueList)
        item_id = source.highlighted_id
        item = self.session.model.find(item_id) if item_id else None
        key = (item or {}).get("author_key") or ""
        author = self.session.model.authors.get(key)
        self.query_one(DetailPane).update(detail_text(item, author, self.clock(),
                                                      self.session.model.timezone))
        if item_id and key and author is None:
            self.enqueue(lambda: self.session.load_author(item_id), background=True)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    # -- jobs ------------------------------------------------------------------------------
    def enqueue(self, job: Job, background: bool = False) -> None:
        """Run `job` after the ones before it (author look-ups run beside them)."""
        if background:
            self.run_worker(job(), group="lookups", exit_on_error=False)
        else:
            self.jobs.put(job)

    def _say(self, text: str, level: str = "warning") -> None:
        self.session.model.notify(text, level)
        self.session.changed()

    # -- what the keys act on --------------------------------------------------------------
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
            state = self.session.model.rule_state(item["id"])
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

    def action_pin(self) -> None:
        self._onto_wall("pin")

    def action_highlight(self) -> None:
        self._onto_wall("highlight")

    def _onto_wall(self, action: str) -> None:
        item, model = self._current(), self.session.model
        if item is not None:
            ops = onto_wall(item["id"], action, item["id"] in model.queue,
                            (model.wall.get("pinned") or {}).get("id"))
            self.enqueue(lambda: self.session.outbox.perform(ops))

    def action_take_down(self) -> None:
        item = self._current()
        if item is None:
            return
        if item["id"] in self.session.model.queue:
            self._say(_("Not on the wall: press r to reject it."))
            return
        self.enqueue(lambda: self.session.decide([item["id"]], "retract"))

    def action_reveal(self) -> None:
        """Show an item's sensitive images on the walls (the detail pane says when)."""
        item = self._current()
        if item is None:
            return
        if not (item.get("sensitive") and item.get("media")) or item.get("revealed"):
            self._say(_("No hidden image to reveal."))
            return
        self.enqueue(lambda: self.session.decide([item["id"]], "reveal"))

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
        focus = {"rules-tab": "#rules", "asks-tab": "#asks-questions"}.get(tab, "#queue")
        self.query_one(focus, ItemList).focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_mode(self) -> None:
        target = "post" if self.session.model.mode == "pre" else "pre"
        question = _("Switch to post-moderation? Everything will show at once.") \
            if target == "post" else _("Switch to pre-moderation? Nothing will show "
                                       "until approved.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.enqueue(lambda: self.session.set_mode(target))

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_event_status(self) -> None:
        """Open or close the event (admin), after a question."""
        status = self.session.model.counters.get("status") or "open"
        target = "closed" if status == "open" else "open"
        question = _("Close the event? Phones, SMS and hashtags can no longer add anything; "
                     "the wall stays on screen with what it shows.") if target == "closed" \
            else _("Open the event? Phones, SMS and hashtags can take part.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.enqueue(lambda: self.session.set_status(target))

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_settings(self) -> None:
        """The event's settings (admin): the screen says so when the token is not one. On
        closing, `GET /desk` again: a saved title or time zone shows at once."""
        self.app.push_screen(SettingsScreen(self.session.admin, self.session.config.event),
                             lambda _closed: self.session.schedule("desk"))

    def action_invitations(self) -> None:
        """Invite volunteers by QR (admin)."""
        self.app.push_screen(InvitationsScreen(self.session.admin, self.session.config.event,
                                               self.session.model.timezone))

    def action_poster(self) -> None:
        """The room's poster, A4 or A3, saved in the current folder."""
        def chosen(size: str | None) -> None:
            if size:
                self._say(_("Making the poster…"), "info")
                self.run_worker(self._poster(size), group="poster", exit_on_error=False)

        self.app.push_screen(PosterScreen(), chosen)

    async def _poster(self, size: str) -> None:
        said = await save_poster(self.session.admin, self.session.config.event, size,
                                 Path.cwd())
        self._say(said, "info" if said.startswith(_("Poster saved")) else "error")

    def action_reconnect(self) -> None:
        self.session.live.retry_now()

    def action_quit_desk(self) -> None:
        unsent = len(self.session.outbox.unsent)
        kept = bool(self.session.config.spool_dir)
        if self.session.config.stops_wall:
            self._ask_before_stopping(unsent)
            return
        if unsent and not self._quit_armed:
            self._quit_armed = True
            self._say((_("{n} decision(s) not sent yet: press q again to quit; they are sent "
                         "when the desk starts again.") if kept else
                       _("{n} decision(s) not sent yet: press q again to quit anyway."))
                      .format(n=unsent))
            return
        self.app.exit(0)

    def say_how_to_quit(self) -> None:
        self._say(_("Press q to quit."), "info")

    def _ask_before_stopping(self, unsent: int) -> None:
        """`clameur up`: this desk's process serves the room, so quitting stops it for all."""
        if self._asking_quit:
            return
        question = _("Quit and stop the wall for everyone?") + "\n\n" + _(
            "This computer serves the room. Quitting stops the projected wall, the phones' "
            "page (posts and reactions), SMS and the hashtag sources, until clameur up runs "
            "again. Nothing stored is lost.")
        if unsent:
            question += "\n\n" + _("{n} decision(s) not sent yet are kept and sent at the "
                                    "next start.").format(n=unsent)
        self._asking_quit = True

        def answered(yes: bool | None) -> None:
            self._asking_quit = False
            if yes:
                self.app.exit(0)

        self.app.push_screen(ConfirmScreen(question), answered)
