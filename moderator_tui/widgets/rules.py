"""The automatic-rules tab: what the rules approved or rejected, and which rule fired."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding

from moderator_tui.i18n import _
from moderator_tui.model import RuleEntry
from moderator_tui.widgets.queue import ItemList, item_prompt

RULE_NAMES = {"banned-author": "banned author", "trusted-author": "trusted author",
              "post-moderation": "post-moderation"}
STATE_STYLES = {"approved": "bold green", "rejected": "bold red", "retracted": "bold yellow",
                "pending": "bold cyan"}


def rule_prompt(entry: RuleEntry, now: datetime) -> Text:
    text = Text()
    text.append(f" {_(entry.state).upper()} ", style=STATE_STYLES.get(entry.state, "bold"))
    text.append(" " + _("rule") + ": ")
    text.append(_(RULE_NAMES.get(entry.rule, entry.rule)), style="italic")
    text.append("\n")
    return text + item_prompt(entry.item, now)


class RulesList(ItemList):
    """Items decided by rules; `a` approves a rejected one, `t` takes an approved one down."""

    BINDINGS = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def show_rules(self, rules: list[RuleEntry], now: datetime, tick: int) -> None:
        self.show((tuple((e.item["id"], e.state) for e in rules), tick),
                  lambda: [(e.item["id"], rule_prompt(e, now)) for e in rules])
