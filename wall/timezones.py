"""The event's time zone: which names are accepted, and the zone a name stands for.

An event's `timezone` is an IANA name ("Europe/Paris", "America/Montreal"), checked against
the zones this machine's database holds (the system's, else the `tzdata` package), spelt
exactly: a case-insensitive file system would otherwise accept "europe/paris", which another
machine (the desk's) cannot load. Names that stand for a machine's own setting rather than
a place ("localtime", "posixrules", "Factory") are refused: the event's zone must not depend
on the server it runs on.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from wall.models import DEFAULT_TIMEZONE

NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
MAX_NAME = 64
# The refusal of a name, wherever it is given (settings, `clameur event`, `clameur report`,
# the store): an English msgid, translated where a person reads it in their language.
UNKNOWN_ZONE = "unknown time zone: {value} (an IANA name such as Europe/Paris or America/Montreal)"


@cache
def _known() -> frozenset[str]:
    # A walk of the zone database (~75 ms), once per process.
    return frozenset(available_timezones()) - NOT_PLACES


def valid_timezone(name: object) -> bool:
    """Whether `name` is an IANA zone name this machine can load, spelt exactly."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME and name in _known()


def zone(name: str | None, fallback: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The zone `name` names, else `fallback`'s, else UTC (a database without either)."""
    for candidate in (name, fallback):
        if candidate and valid_timezone(candidate):
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")
