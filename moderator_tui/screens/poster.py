"""`P`: the room's poster — 4 for A4, 3 for A3 — fetched from the server (which prints it
with Chromium, `GET /poster`) and saved in the desk's current folder.

A server without Chromium answers the HTML poster: it is saved as .html, which any browser
prints. Under the browser desk the file is saved on the computer that runs
`clameur moderate --web`, and the message says where.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from moderator_tui.client import AdminClient, ApiError, Offline
from moderator_tui.i18n import _


async def save_poster(admin: AdminClient, event: str, size: str, folder: Path) -> str:
    """Fetch and write the poster; what to tell the organiser, in the desk's language."""
    try:
        body, kind = await admin.poster(size)
    except ApiError as exc:
        return _("The poster could not be made: {error}").format(error=exc.message)
    except Offline:
        return _("The server cannot be reached: no poster.")
    path = (folder / f"poster-{event}-{size}.{kind}").resolve()
    path.write_bytes(body)
    if kind == "pdf":
        return _("Poster saved: {path} ({size}, one page to print).").format(
            path=path, size=size.upper())
    return _("Poster saved as a web page: {path} (the server has no Chromium to make the "
             "PDF; open it in a browser and print it).").format(path=path)


class PosterScreen(ModalScreen[str | None]):
    """Dismissed with "a4", "a3" or None (Esc)."""

    BINDINGS = [Binding("4", "size('a4')", "A4"), Binding("3", "size('a3')", "A3"),
                Binding("escape", "size('')", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(_("The room's poster: title, QR code, address, SMS and hashtags, "
                           "how to take part. It is saved in this folder:") + "\n"
                         + str(Path.cwd()), id="confirm-question", markup=False)
            yield Static(_("4: A4    3: A3    Esc: cancel"), id="confirm-keys")

    def action_size(self, size: str) -> None:
        self.dismiss(size or None)
