"""Messages between the session and the screen."""

from __future__ import annotations

from textual.message import Message


class SessionChanged(Message):
    """The desk's model changed: redraw what depends on it."""
