"""The Textual application of `clameur moderate` and `clameur up`: one `DeskSession`, shown
by one `DeskScreen`.

The same factory serves `moderator_tui.main.run()` and the tests; the clock is injected so
snapshots do not drift.
"""

from __future__ import annotations

from textual.app import App

from moderator_tui.ages import Clock, system_clock
from moderator_tui.config import DeskConfig
from moderator_tui.screens.desk import DeskScreen
from moderator_tui.session import DeskSession


class ModeratorApp(App[int]):
    """Keeps the session's live socket while the desk screen is shown; exits with 0."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Clameur"

    def __init__(self, config: DeskConfig, clock: Clock = system_clock) -> None:
        super().__init__()
        self.config = config
        self.session = DeskSession(config)
        self.desk = DeskScreen(self.session, clock)

    def get_default_screen(self) -> DeskScreen:
        """The desk is the bottom of the screen stack: help and questions open over it."""
        return self.desk

    def on_mount(self) -> None:
        self.title = f"Clameur — {self.config.event}"
        self.run_worker(self.session.run(), name="live", exit_on_error=False)

    async def on_unmount(self) -> None:
        await self.session.close()

    async def action_quit(self) -> None:
        """Ctrl+Q asks what `q` asks: under `clameur up` quitting stops the wall."""
        self.desk.action_quit_desk()

    def action_help_quit(self) -> None:
        """Ctrl+C: say which key quits, in the desk's language."""
        self.desk.say_how_to_quit()
