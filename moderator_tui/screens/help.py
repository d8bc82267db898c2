"""`?`: every key of the desk, in the desk's language."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from moderator_tui.i18n import _

KEYS = [
    ("a", "approve the selected items, else the highlighted one"),
    ("r", "reject the selected items, else the highlighted one"),
    ("p", "pin / unpin (a pending item is approved first)"),
    ("h", "highlight on the wall (approved first if pending)"),
    ("t", "take down from the wall (retract)"),
    ("b", "ban the author: their next items are rejected"),
    ("T", "trust the author: their next items are approved"),
    ("u", "undo your last decision"),
    ("↑ ↓ j k", "move"),
    ("space", "select several, then a or r for all"),
    ("/", "filter by text, author or source (Esc clears)"),
    ("tab", "switch between the queue and the wall list"),
    ("1 2", "queue tab, automatic rules tab"),
    ("m", "switch pre/post moderation (asks for confirmation)"),
    ("e", "open or close the event (admin; asks for confirmation)"),
    ("s", "event settings: title, sources, SMS, theme, lifecycle... (admin)"),
    ("i", "invite volunteer moderators by QR code (admin)"),
    ("P", "the room's poster (A4 or A3 PDF) saved in this folder"),
    ("R", "reconnect now"),
    ("?", "this help"),
    ("q", "quit (under clameur up it stops the wall: asks first)"),
]


def keys_text() -> Text:
    """One line per key: the key in a column, what it does beside it."""
    text = Text()
    for key, what in KEYS:
        text.append(f"{key:<9}", style="bold yellow")
        text.append(_(what) + "\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Closed by Esc, `?` or `q`."""

    BINDINGS = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close"),
                ("q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(_("Moderation desk — keys"), id="help-title")
            yield Static(keys_text(), id="help-keys")
            yield Static(_("Decisions made offline are sent once the connection is back."),
                         id="help-foot")
