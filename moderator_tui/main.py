"""Start the desk: `clameur moderate` and `clameur up` both call `run()`."""

from __future__ import annotations

from moderator_tui import i18n
from moderator_tui.config import DeskConfig


def run(server: str, token: str, event: str, lang: str | None, insecure: bool,
        audience_url: str = "", stops_wall: bool = False, spool_dir: str = "") -> int:
    """Run the desk in this terminal until the moderator quits; the exit code.

    `clameur up` passes the room's audience URL, `stops_wall` (quitting asks first) and its
    data directory, where decisions not delivered at quit wait for the next start.
    """
    chosen = i18n.choose(lang)
    i18n.use(chosen)
    from moderator_tui.app import ModeratorApp

    app = ModeratorApp(DeskConfig(server=server, token=token, event=event, lang=chosen,
                                  insecure=insecure, audience_url=audience_url,
                                  stops_wall=stops_wall, spool_dir=spool_dir))
    result = app.run()
    return int(result or 0)
