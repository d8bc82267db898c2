"""How old an item is, in words short enough for a queue line; the clock is injected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from moderator_tui.i18n import _

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def parse(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def age(stamp: str, now: datetime) -> str:
    """"12 s", "3 min", "2 h" — or "?" for an unreadable time."""
    when = parse(stamp)
    if when is None:
        return "?"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    if seconds < 3600:
        return _("{n} min").format(n=seconds // 60)
    return _("{n} h").format(n=seconds // 3600)


def clock_time(stamp: str) -> str:
    """HH:MM:SS UTC of a timestamp, for the detail pane."""
    when = parse(stamp)
    return when.strftime("%H:%M:%S UTC") if when else "?"
