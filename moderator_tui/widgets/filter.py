"""The filter box under the queue: `/` opens it, Enter keeps the filter, Esc clears it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FilterInput(Input):
    """Typed words filter the queue as they change (see `DeskScreen`)."""

    BINDINGS = [Binding("escape", "screen.clear_filter", "Clear", show=False)]
