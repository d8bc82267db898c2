"""How old an item is, in words short enough for a queue line, and what time it was in the
event's time zone (`GET /desk` names it: not the zone of the computer running the desk);
the clock is injected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    seconds = _seconds(stamp, now)
    if seconds is None:
        return "?"
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    return _minutes_or_hours(seconds)


def list_age(stamp: str, now: datetime) -> str:
    """`age` for a line of a list, redrawn only every half-minute: under a minute it says
    "< 1 min" rather than seconds that would stand still (and disagree with the detail
    pane, which shows them)."""
    seconds = _seconds(stamp, now)
    if seconds is None:
        return "?"
    return _("< 1 min") if seconds < 60 else _minutes_or_hours(seconds)


def _seconds(stamp: str, now: datetime) -> int | None:
    when = parse(stamp)
    return None if when is None else max(0, int((now - when).total_seconds()))


def _minutes_or_hours(seconds: int) -> str:
    if seconds < 3600:
        return _("{n} min").format(n=seconds // 60)
    return _("{n} h").format(n=seconds // 3600)


@cache
def event_zone(name: str) -> tzinfo:
    """The event's zone by its IANA name; UTC until the desk knows it (or for a name this
    computer's zone database lacks, from a server with a newer one)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_label(when: datetime) -> str:
    """The zone's abbreviation at that moment ("CET", "CEST", "EST"), as the zone database
    writes it: some zones have none but their offset ("+03")."""
    return when.tzname() or when.strftime("%z")


def clock_time(stamp: str, zone: str = "") -> str:
    """HH:MM:SS of a timestamp in the event's zone, with its abbreviation ("19:01:00 CET"),
    for the detail pane."""
    when = parse(stamp)
    if when is None:
        return "?"
    here = when.astimezone(event_zone(zone))
    return f"{here:%H:%M:%S} {zone_label(here)}"


def day_time(epoch: float, zone: str = "") -> str:
    """DD/MM HH:MM of a moment in the event's zone, with its abbreviation."""
    here = datetime.fromtimestamp(epoch, event_zone(zone))
    return f"{here:%d/%m %H:%M} {zone_label(here)}"
