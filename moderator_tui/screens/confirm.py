"""A yes/no question, answered with `y` (or `o`, for the French "oui") or `n` (Esc is no)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from moderator_tui.i18n import _


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True (`y`, `o`) or False (`n`, Esc)."""

    BINDINGS = [("y", "answer(True)", "Yes"), ("o", "answer(True)", "Yes"),
                ("n", "answer(False)", "No"),
                ("escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            yield Static(_("y: yes    n: no"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
