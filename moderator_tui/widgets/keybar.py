"""The key bar at the bottom: every key of the desk, on as many lines as the width needs.

Textual's own footer is one line that cuts what does not fit: at 80 columns it hid filter,
mode and quit. Here a key and its label are never split, and the bar grows to a second line
instead. Keys only an admin token may use are left out once the server says we are not one.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

KEY_STYLE = "bold #ffa62b"


def key_lines(keys: list[tuple[str, str]], width: int) -> Text:
    """`key label` pairs, two spaces apart, wrapped to `width` cells (0: one line)."""
    text, used = Text(), 0
    for key, label in keys:
        size = len(key) + 1 + len(label)
        if used and width and used + 2 + size > width:
            text.append("\n")
            used = 0
        elif used:
            text.append("  ")
            used += 2
        text.append(key, style=KEY_STYLE)
        text.append(" " + label)
        used += size
    return text


class KeyBar(Static):
    """Shows `(key, label)` pairs; `show()` gives the pairs, a resize re-wraps them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.keys: list[tuple[str, str]] = []

    def show(self, keys: list[tuple[str, str]]) -> None:
        if keys != self.keys:
            self.keys = keys
            self._draw()

    def _draw(self) -> None:
        self.update(key_lines(self.keys, self.size.width))

    def on_resize(self, _event: Resize) -> None:
        self._draw()
