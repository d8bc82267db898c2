"""The questions tab: the room's questions ranked by votes, the polls, what the wall shows.

Keys act on the highlighted line: on a question `a` answered, `f` follow-up (each asks for
a short note), `x` clears the answer; on a poll `n` new, `o` open, `c` close; anywhere in
the tab `w` switches the wall between the feed, the questions and the poll. Text from the
audience goes in `rich.text.Text`, never parsed as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from moderator_tui.asks import WALL_MODES, AsksModel
from moderator_tui.i18n import _
from moderator_tui.screens.asks import NoteScreen, PollScreen
from moderator_tui.session import DeskSession
from moderator_tui.widgets.queue import ItemList

ANSWER_STYLES = {"answered": "bold green", "follow_up": "bold yellow"}
LETTERS = "ABCDEFGH"


def question_prompt(q: dict[str, Any], rank: int) -> Text:
    """"#1  ▲ 12  Camille  [FOLLOW-UP: note]" then the question."""
    text = Text()
    text.append(f"#{rank} ", style="dim")
    text.append(f"▲ {q.get('votes', 0)}", style="bold cyan")
    text.append("  " + str(q.get("author") or _("anonymous")), style="bold")
    answer = q.get("answer")
    if answer:
        label = _("answered") if answer == "answered" else _("follow-up")
        text.append(f"  {label.upper()}", style=ANSWER_STYLES.get(answer, "bold"))
        if q.get("note"):
            text.append(": " + str(q["note"]), style="italic")
    text.append("\n" + str(q.get("text", "")))
    return text


def poll_prompt(p: dict[str, Any]) -> Text:
    """"● OPEN  question  votes: 12" then "A Oui 8 (67 %) · B Non 4 (33 %)"."""
    status = str(p.get("status", ""))
    style = {"open": "bold green", "closed": "dim", "draft": "bold yellow"}.get(status, "")
    text = Text()
    text.append(("● " if status == "open" else "○ ") + _(status).upper(), style=style)
    text.append("  " + str(p.get("question", "")), style="bold")
    total = int(p.get("total", 0))
    text.append("  " + _("votes: {n}").format(n=total), style="dim")
    if p.get("type") == "words":
        words = " · ".join(f"{w['text']} {w['count']}" for w in p.get("words", [])[:8])
        text.append("\n" + (_("word cloud") + (": " + words if words else "")))
    else:
        parts = [f"{LETTERS[i]} {o['text']} {o['votes']} "
                 f"({round(100 * o['votes'] / total) if total else 0} %)"
                 for i, o in enumerate(p.get("options", []))]
        text.append("\n" + " · ".join(parts))
    return text


class QuestionsList(ItemList):
    """Approved questions, most votes first."""

    BINDINGS = [Binding("a", "answer('answered')", "answered"),
                Binding("f", "answer('follow_up')", "follow-up"),
                Binding("x", "answer('')", "clear answer"),
                Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def show_questions(self, ranked: list[dict[str, Any]]) -> None:
        signature = tuple((q["id"], q.get("votes"), q.get("answer"), q.get("note"))
                          for q in ranked)
        self.show(signature, lambda: [(q["id"], question_prompt(q, n + 1))
                                      for n, q in enumerate(ranked)])

    def action_answer(self, answer: str) -> None:
        pane = self.query_ancestor(AsksPane)
        question_id = self.highlighted_id
        if question_id is None:
            return
        if not answer:
            pane.run(lambda: pane.session.asks.answer(question_id, None))
            return
        title = _("Answered") if answer == "answered" else _("Follow-up promised")
        text = pane.session.asks.model.questions.get(question_id, {}).get("text", "")

        def noted(note: str | None) -> None:
            if note is not None:
                pane.run(lambda: pane.session.asks.answer(question_id, answer, note))

        self.app.push_screen(NoteScreen(title, str(text)), noted)


class PollsList(ItemList):
    """The event's polls, newest first."""

    BINDINGS = [Binding("o", "switch('open')", "open"),
                Binding("c", "switch('closed')", "close"),
                Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def show_polls(self, polls: list[dict[str, Any]]) -> None:
        newest = list(reversed(polls))
        self.show(repr(newest), lambda: [(p["id"], poll_prompt(p)) for p in newest])

    def action_switch(self, status: str) -> None:
        pane, poll_id = self.query_ancestor(AsksPane), self.highlighted_id
        if poll_id is not None:
            pane.run(lambda: pane.session.asks.switch_poll(poll_id, status))


class AsksPane(Vertical):
    """The tab's content over the session's `asks`."""

    DEFAULT_CSS = """
    AsksPane { height: 1fr; }
    #asks-mode { background: $primary 40%; padding: 0 1; text-style: bold; }
    .asks-title { color: $text-muted; padding: 0 1; text-style: bold; }
    #asks-questions { height: 3fr; border: none; }
    #asks-polls { height: 2fr; border: none; }
    #asks-hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [Binding("w", "wall_mode", "wall shows"), Binding("n", "new_poll", "new poll")]

    def __init__(self, session: DeskSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static("", id="asks-mode")
        yield Static(_("Questions, most votes first"), classes="asks-title")
        yield QuestionsList(id="asks-questions")
        yield Static(_("Polls"), classes="asks-title")
        yield PollsList(id="asks-polls")
        yield Static(_("a/f/x: answered, follow-up, clear · n/o/c: new, open, close poll · "
                       "w: what the wall shows"), id="asks-hint")

    def show(self) -> None:
        model: AsksModel = self.session.asks.model
        self.query_one("#asks-mode", Static).update(
            _("The wall shows: {mode}.").format(mode=_(model.mode)))
        self.query_one(QuestionsList).show_questions(model.ranked())
        self.query_one(PollsList).show_polls(list(model.polls.values()))

    def run(self, job: Any) -> None:
        """Queue a network job on the desk's job runner (in order with the other keys)."""
        enqueue = getattr(self.screen, "enqueue", None)
        if enqueue is not None:
            enqueue(job)
        else:
            self.run_worker(job(), exit_on_error=False)

    def action_wall_mode(self) -> None:
        current = self.session.asks.model.mode
        following = WALL_MODES[(WALL_MODES.index(current) + 1) % len(WALL_MODES)] \
            if current in WALL_MODES else "feed"
        self.run(lambda: self.session.asks.set_wall_mode(following))

    def action_new_poll(self) -> None:
        """The new-poll form; once made, the polls list has the focus (o opens it)."""

        async def create(question: str, options: list[str]) -> None:
            if await self.session.asks.create_poll(question, options):
                polls = self.query_one(PollsList)
                self.show()
                polls.focus()
                polls.highlighted = 0  # the newest is first

        def made(answer: tuple[str, list[str]] | None) -> None:
            if answer is not None:
                self.run(lambda: create(*answer))

        self.app.push_screen(PollScreen(), made)
