"""What the projector shows now: pinned, highlighted, then the latest approved items.

Focusable: `p`, `h` and `t` act on the item highlighted here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding

from moderator_tui.i18n import _
from moderator_tui.widgets.queue import ItemList, item_prompt


def wall_entries(wall: dict[str, Any], now: datetime) -> list[tuple[str, Text]]:
    pinned, highlighted = wall.get("pinned"), wall.get("highlighted")
    ids = {i["id"] for i in (pinned, highlighted) if i}
    out: list[tuple[str, Text]] = []
    if pinned:
        out.append((pinned["id"], item_prompt(pinned, now, note="⚑ " + _("pinned"))))
    if highlighted and highlighted["id"] != (pinned or {}).get("id"):
        out.append((highlighted["id"], item_prompt(highlighted, now,
                                                   note="★ " + _("highlighted"))))
    out += [(i["id"], item_prompt(i, now)) for i in wall.get("recent", []) if i["id"] not in ids]
    return out


class WallList(ItemList):
    """The on-the-wall list in the right column."""

    BINDINGS = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def show_wall(self, wall: dict[str, Any], now: datetime, tick: int) -> None:
        self.show((repr(wall), tick), lambda: wall_entries(wall, now))
