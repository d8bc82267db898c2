"""One gate on the way in for what phones send: the event's status, then the rate limits,
then the item itself (`intake.accept` applies them in that order).

The refusals are one table, answered as HTTP errors by the routes (`routes/_shared.py`)
and as `error` frames on sockets: a post and a tap refused for one reason say one thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from wall import protocol
from wall.store.limits import LimitPlan

# reason: (HTTP status, machine code, message)
REFUSALS: dict[str, tuple[int, str, str]] = {
    "closed": (403, "event_closed", "this event is closed"),
    "draft": (403, "event_not_open", "this event is not open yet"),
}


class Refused(Exception):
    """The gate refused: `reason` is a status of REFUSALS or `rate_limited`."""

    def __init__(self, reason: str, retry_after: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Gate:
    """What to check before an item or a tap goes in.

    `status`: the event's live status when the caller knows it (the hub follows the feed);
    "" leaves it to the store, which reads it inside the insert script. `limits`: the rate
    limits to count (`RateLimiter.plan`), None when limits are off.
    """

    status: str = ""
    limits: LimitPlan | None = None

    def check(self) -> None:
        """Raise Refused when the known status refuses; an unknown status passes."""
        refuse_status(self.status)


def refuse_status(status: str) -> None:
    """Raise Refused when `status` is one that refuses (closed, draft)."""
    if status in REFUSALS:
        raise Refused(status)


def refusal_frame(refused: Refused) -> protocol.Frame:
    """The same refusal as an `error` frame on a socket that stays open."""
    _, code, message = REFUSALS.get(refused.reason, (429, "rate_limited", "too many taps"))
    return protocol.error(code, message)
