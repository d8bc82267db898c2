"""The selected item in full: its flags (content warning, sensitive media), text, media
with alt text and source links, its author's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from moderator_tui.ages import age, clock_time
from moderator_tui.i18n import _
from moderator_tui.model import Item, source_label


def detail_text(item: Item | None, author: dict[str, Any] | None, now: datetime,
                zone: str = "") -> Text:
    """The item, its time in the event's `zone` (an IANA name; "" shows UTC)."""
    if item is None:
        return Text(_("Nothing selected."), style="dim")
    text = Text()
    text.append(str(item.get("author") or _("anonymous")), style="bold")
    stamp = str(item.get("received_at", ""))
    text.append(f"  {source_label(item)} · {clock_time(stamp, zone)} ({age(stamp, now)})\n",
                style="dim")
    if item.get("content_warning"):
        text.append("⚠ " + _("Content warning:") + " ", style="bold yellow")
        text.append(str(item["content_warning"]) + "\n")
    if item.get("sensitive") and item.get("media"):
        text.append(_("Sensitive media") + " ", style="bold red")
        text.append(_("(shown on the wall)") if item.get("revealed") else
                    _("(hidden on the wall: v reveals it)"), style="red")
        text.append("\n")
    text.append(str(item.get("text", "")) + "\n")
    for medium in item.get("media") or []:
        text.append(_("media:") + " ", style="cyan")
        text.append(str(medium.get("url", "")))
        if medium.get("alt"):
            text.append(" — " + str(medium["alt"]), style="italic")
        text.append("\n")
    if item.get("url"):
        text.append(_("source:") + " ", style="cyan")
        text.append(str(item["url"]) + "\n")
    text.append("\n" + _("This author:") + " ", style="bold")
    if author is None:
        text.append("…" if item.get("author_key") else _("unknown"), style="dim")
    elif not author.get("known"):
        text.append(_("unknown"), style="dim")
    else:
        text.append(_("{a} approved, {r} rejected").format(a=author["approved"],
                                                           r=author["rejected"]))
        if author.get("banned"):
            text.append(" · " + _("BANNED"), style="bold red")
        if author.get("trusted"):
            text.append(" · " + _("TRUSTED"), style="bold green")
    return text


class DetailPane(Static):
    """Redrawn when the highlighted item or its author's history changes."""
