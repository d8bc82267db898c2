"""The notice line: the last thing that happened elsewhere, or why an action did not happen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moderator_tui.i18n import _
from moderator_tui.model import DeskModel


class NoticeBar(Static):
    """Redrawn from the model; coloured by the notice's level."""

    def show(self, model: DeskModel) -> None:
        notice = model.last_notice
        hint = _("You moderate as {name}. Press ? for every key.").format(
            name=model.moderator) if model.moderator else ""
        self.update(Text(notice.text if notice else hint))  # may quote audience text
        for level in ("info", "warning", "error"):
            self.set_class(bool(notice and notice.level == level), f"-{level}")
