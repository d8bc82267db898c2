"""The pending queue: one wrapped entry per item, oldest first, with a selection mark.

Text from the audience is always put in `rich.text.Text` objects, never parsed as markup:
"[b]" typed on a phone shows as "[b]".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from moderator_tui.ages import list_age
from moderator_tui.i18n import _
from moderator_tui.model import Item, source_label

MAX_LISTED = 60  # the oldest first; rebuilding a longer list slows every keystroke
SOURCE_STYLES = {"web": "cyan", "sms": "green", "x": "white", "mastodon": "magenta",
                 "bluesky": "blue"}


def item_prompt(item: Item, now: datetime, selected: bool = False,
                note: str = "") -> Text:
    """"◉ SMS · Camille · 3 min · [2 media]" then the whole text, wrapped by the list."""
    text = Text()
    text.append("◉ " if selected else "  ", style="bold yellow")
    source = str(item.get("source", ""))
    text.append(source_label(item), style=f"bold {SOURCE_STYLES.get(source, 'white')}")
    text.append(" · ")
    text.append(str(item.get("author") or _("anonymous")), style="bold")
    text.append(" · " + list_age(str(item.get("received_at", "")), now), style="dim")
    media = item.get("media") or []
    if media:
        text.append(" · " + _("[{n} media]").format(n=len(media)), style="italic cyan")
    if item.get("sensitive"):
        text.append(" · " + _("sensitive"), style="bold red")
    if note:
        text.append(f" · {note}", style="bold yellow")
    text.append("\n")
    text.append(str(item.get("text", "")))
    return text


class ItemList(OptionList):
    """An OptionList of items that keeps the highlighted item across redraws."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._signature: object = None

    @property
    def highlighted_id(self) -> str | None:
        option = self.highlighted_option
        return option.id if option else None

    def show(self, signature: object, build: Callable[[], list[tuple[str, Text]]],
             more: str = "") -> None:
        """Rebuild from `build()` when `signature` changed, keeping the cursor on its item.

        `more` is a last, unselectable line (how many items are not listed).
        """
        if signature == self._signature:
            return
        self._signature = signature
        entries = build()
        current, index = self.highlighted_id, self.highlighted
        options = [Option(prompt, id=item_id) for item_id, prompt in entries]
        if more:
            options.append(Option(Text(more, style="dim italic"), disabled=True))
        self.set_options(options)
        ids = [item_id for item_id, _ in entries]
        if not ids:
            return
        if current in ids:
            self.highlighted = ids.index(current)
        else:
            self.highlighted = min(index or 0, len(ids) - 1)


class QueueList(ItemList):
    """The pending items."""

    BINDINGS = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def show_queue(self, visible: list[Item], selected: set[str], now: datetime,
                   tick: int) -> None:
        """The oldest `MAX_LISTED` of the visible items, then how many more wait."""
        shown = visible[:MAX_LISTED]
        more = _("… and {n} more: decide these first, or filter with /").format(
            n=len(visible) - len(shown)) if len(visible) > len(shown) else ""
        self.show((tuple(i["id"] for i in shown), frozenset(selected), tick, more),
                  lambda: [(i["id"], item_prompt(i, now, i["id"] in selected)) for i in shown],
                  more)
