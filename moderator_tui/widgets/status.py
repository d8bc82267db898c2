"""The header line: event title, connection state, counters, mode, unsent decisions."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moderator_tui.i18n import _
from moderator_tui.model import DeskModel

STATES = {"connecting": ("◌", "connecting…", "warning"),
          "connected": ("●", "connected", "ok"),
          "reconnecting": ("◌", "reconnecting…", "warning"),
          "refused": ("✖", "refused", "error"),
          "untrusted": ("✖", "certificate not trusted", "error")}
EVENT_STATUSES = {"closed": "event closed", "draft": "event not open yet"}
STYLES = {"ok": "bold green", "warning": "bold yellow", "error": "bold red"}


def header_text(model: DeskModel) -> Text:
    mark, label, level = STATES.get(model.connection, STATES["connecting"])
    c = model.counters
    text = Text()
    text.append(" Clameur ", style="bold reverse")
    text.append(f" {model.title or '…'} ", style="bold")
    text.append(f" {mark} {_(label)} ", style=STYLES[level])
    if model.outbox_size:
        text.append(" " + _("{n} unsent").format(n=model.outbox_size) + " ",
                    style="bold black on yellow")
        text.append(" ")
    status = c.get("status", "open")
    if status in EVENT_STATUSES:
        text.append(" " + _(EVENT_STATUSES[status]) + " ", style="bold white on red")
        text.append(" ")
    if model.mode:
        text.append(" " + _("mode: {mode}").format(mode=_(model.mode)) + " ",
                    style="bold magenta")
    text.append("\n ")
    parts = [
        _("pending {n}").format(n=c.get("pending", len(model.queue))),
        _("approved {n}").format(n=c.get("approved", 0)),
        _("rejected {n}").format(n=c.get("rejected", 0)),
        _("reactions {n}/min").format(n=c.get("reactions_per_minute", 0)),
        _("moderators {n}").format(n=c.get("moderators", 0)),
    ]
    text.append(" · ".join(parts))
    return text


class DeskHeader(Static):
    """Redrawn from the model on every change."""

    def show(self, model: DeskModel) -> None:
        self.update(header_text(model))
        self.set_class(model.connection != "connected", "-offline")
