"""Rate limits kept in Redis, so they hold across every server process.

Fixed windows counted by one Lua script per request (all of a request's limits in one round
trip; the keys share the event's hash tag; the counting is wall/store/limits.py).
`CLAMEUR_RATE_LIMITS` overrides the defaults, e.g. `post_device=5/60,reaction_ip=400/1` or
`off` (benchmarks only).
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.store import limits as store_limits
from wall.store.client import Client
from wall.store.limits import LimitPlan

# name: (count, window in seconds). Abuse limits key on the signed device (the cookie the
# phone page sets, wall/identity.py) and are sized for one person. Per-address limits are
# sized for a full room behind ONE address (a venue's Wi-Fi NATs everyone; a hosted server
# sees one address): ROOM_SEATS phones opening their socket at once, reconnecting together
# after a server restart, posting in the same second, each tapping 20 times a second
# (SPEC). They only stop a single address from flooding far beyond any room.
ROOM_SEATS = 1_000
DEFAULTS: dict[str, tuple[int, int]] = {
    "post_device": (6, 60),
    "post_ip": (2 * ROOM_SEATS, 60),
    "reaction_device": (60, 1),
    "reaction_ip": (20 * ROOM_SEATS, 1),
    "ws_connect_device": (30, 60),
    "ws_connect_ip": (5 * ROOM_SEATS, 60),
    "sms_phone": (6, 60),
    # Poll ballots and question upvotes over HTTP (a script without the device cookie is a
    # new device at every request: the address bounds it). A phone votes a few times a minute.
    "vote_device": (30, 60),
    "vote_ip": (3 * ROOM_SEATS, 60),
    # Caption lines per captioner token (wall/routes/captions.py): live speech is a line
    # every second or two; this stops a runaway script, not a fast stenographer.
    "caption_token": (300, 60),
}


def parse_limits(spec: str) -> dict[str, tuple[int, int]] | None:
    """`name=count/seconds,...` over the defaults; None when limits are off."""
    if spec.strip().lower() == "off":
        return None
    limits = dict(DEFAULTS)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        count, _, window = value.partition("/")
        if name not in DEFAULTS or not count.isdigit() or not window.isdigit():
            raise ValueError(f"bad rate limit {part!r}: use name=count/seconds "
                             f"with a name among {', '.join(DEFAULTS)}")
        limits[name] = (int(count), int(window))
    return limits


@dataclass
class Limited:
    retry_after: int  # seconds

    @classmethod
    def after(cls, wait_ms: int) -> Limited | None:
        """Limited for a wait (ms) the script returned; None when there is none."""
        return cls(retry_after=max(1, -(-wait_ms // 1000))) if wait_ms > 0 else None


class RateLimiter:
    def __init__(self, redis: Client, spec: str = "") -> None:
        self.redis = redis
        self.limits = parse_limits(spec or "")

    def plan(self, slug: str, checks: list[tuple[str, str]], cost: int = 1) -> LimitPlan | None:
        """What counts `cost` against each (limit name, identity), for `hit` or for a script
        that counts it itself before its own work (the insert script, wall/store/inbox.py:
        one round trip per post); None when limits are off."""
        if self.limits is None or not checks:
            return None
        return store_limits.plan(slug, checks, self.limits, cost)

    async def hit(self, slug: str, checks: list[tuple[str, str]], cost: int = 1) -> Limited | None:
        """Count `cost` against each (limit name, identity); Limited when one is exceeded."""
        plan = self.plan(slug, checks, cost)
        if plan is None:
            return None
        return Limited.after(await store_limits.count(self.redis, plan))
