"""The header: event title, connection state, unsent decisions, event status and mode on the
first line; the counters on the second, always (also while reconnecting: the last known
ones); the audience page's address on the third.

The first line is fitted to the terminal by shortening the title, never the states.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
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
PADDING = 2  # the header's own padding, one cell each side (app.tcss)


def _fit(title: str, room: int) -> str:
    """`title` in at most `room` cells (wide characters count double), else cut with "…"."""
    if room < 2:
        return ""
    fitted = Text(title)
    fitted.truncate(room, overflow="ellipsis")
    return fitted.plain


def header_text(model: DeskModel, join_url: str = "", width: int = 0) -> Text:
    """The three lines; `width` (0: unknown) fits the first line by shortening the title."""
    mark, label, level = STATES.get(model.connection, STATES["connecting"])
    c = model.counters
    states = Text()
    states.append(f" {mark} {_(label)} ", style=STYLES[level])
    if model.outbox_size:
        states.append(" " + _("{n} unsent").format(n=model.outbox_size) + " ",
                      style="bold black on yellow")
        states.append(" ")
    status = c.get("status", "open")
    if status in EVENT_STATUSES:
        states.append(" " + _(EVENT_STATUSES[status]) + " ", style="bold white on red")
        states.append(" ")
    if model.mode:
        states.append(" " + _("mode: {mode}").format(mode=_(model.mode)) + " ",
                      style="bold magenta")
    brand = " Clameur "
    title = model.title or "…"
    if width:
        room = width - PADDING - len(brand) - states.cell_len - 2
        title = _fit(title, room)
    text = Text()
    text.append(brand, style="bold reverse")
    if title:
        text.append(f" {title} ", style="bold")
    text.append_text(states)
    text.append("\n ")
    parts = [
        _("pending {n}").format(n=c.get("pending", len(model.queue))),
        _("approved {n}").format(n=c.get("approved", 0)),
        _("rejected {n}").format(n=c.get("rejected", 0)),
        _("reactions {n}/min").format(n=c.get("reactions_per_minute", 0)),
        _("moderators {n}").format(n=c.get("moderators", 0)),
    ]
    text.append(" · ".join(parts))
    if join_url:
        text.append("\n ")
        text.append(_("audience page:") + " ", style="dim")
        text.append(join_url, style="bold")
    return text


class DeskHeader(Static):
    """Redrawn from the model on every change, and when the terminal is resized."""

    def __init__(self, join_url: str = "", *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.join_url = join_url
        self._model: DeskModel | None = None

    def show(self, model: DeskModel) -> None:
        self._model = model
        self.update(header_text(model, self.join_url, self.size.width))
        self.set_class(model.connection != "connected", "-offline")

    def on_resize(self, _event: Resize) -> None:
        if self._model is not None:
            self.show(self._model)
