"""Start the desk: `clameur moderate` and `clameur up` both call `run()`."""

from __future__ import annotations

from moderator_tui import i18n
from moderator_tui.config import DeskConfig


def run(server: str, token: str, event: str, lang: str | None, insecure: bool) -> int:
    """Run the desk in this terminal until the moderator quits; the exit code."""
    chosen = i18n.choose(lang)
    i18n.use(chosen)
    from moderator_tui.app import ModeratorApp

    app = ModeratorApp(DeskConfig(server=server, token=token, event=event, lang=chosen,
                                  insecure=insecure))
    result = app.run()
    return int(result or 0)
