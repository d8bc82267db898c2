"""Two small forms of the questions tab: a note for an answer, and a new poll."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from moderator_tui.i18n import _

MAX_NOTE = 280
MAX_OPTIONS = 8
FORM_CSS = """
NoteScreen, PollScreen { align: center middle; }
.ask-form { width: 76; max-width: 96%; height: auto; border: thick $primary;
            background: $surface; padding: 1 2; }
.ask-form-title { text-style: bold; padding-bottom: 1; }
.ask-form-hint { color: $text-muted; padding-top: 1; }
"""


class NoteScreen(ModalScreen[str | None]):
    """The note of an answer ("Reply in writing within 15 days"); Esc gives None."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text, self.question = title, question

    def compose(self) -> ComposeResult:
        with Vertical(classes="ask-form"):
            yield Static(self.title_text, classes="ask-form-title", markup=False)
            yield Static(self.question, markup=False)
            yield Input(placeholder=_("short note: who answers, what was promised"),
                        max_length=MAX_NOTE, id="note")
            yield Static(_("Enter: save · Esc: cancel"), classes="ask-form-hint")

    @on(Input.Submitted, "#note")
    def _done(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class PollScreen(ModalScreen[tuple[str, list[str]] | None]):
    """A new poll: its question, then its options separated by ";" (none: a word cloud)."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="ask-form"):
            yield Static(_("New poll"), classes="ask-form-title")
            yield Input(placeholder=_("question"), max_length=200, id="poll-question")
            yield Input(placeholder=_("options separated by ; (none: a word cloud)"),
                        id="poll-options")
            yield Static(_("2 to 8 options · Enter: create · Esc: cancel"),
                         classes="ask-form-hint")
            yield Static("", id="poll-error", classes="ask-form-hint")

    @on(Input.Submitted, "#poll-question")
    def _next(self, _event: Input.Submitted) -> None:
        self.query_one("#poll-options", Input).focus()

    @on(Input.Submitted, "#poll-options")
    def _done(self, _event: Input.Submitted) -> None:
        question = self.query_one("#poll-question", Input).value.strip()
        raw = self.query_one("#poll-options", Input).value
        options = [o.strip() for o in raw.split(";") if o.strip()]
        error = self.query_one("#poll-error", Static)
        if not question:
            error.update(_("Write the question first."))
            self.query_one("#poll-question", Input).focus()
        elif len(options) == 1 or len(options) > MAX_OPTIONS:
            error.update(_("A poll has 2 to 8 options (or none, for a word cloud)."))
        else:
            self.dismiss((question, options))

    def action_cancel(self) -> None:
        self.dismiss(None)
