"""What a rehearsal plays: its options (bounded) and the room's rhythm (applause moments).

The rates are a lively room's, per phone: a tap now and then, everyone clapping together
after each speaker, a post every few minutes. A phone never taps faster than a person
(at most 7 taps a second in a burst), well under the 20 a second every phone may send.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

MAX_PHONES = 2000
MAX_DURATION = 600.0
MAX_SMS_SENDERS = 200
FLUSH_S = 0.3  # as the phone page: pending taps leave at most every 300 ms
KINDS_WEIGHTS = {"clap": 40, "heart": 25, "laugh": 15, "wow": 10, "question": 10}


@dataclass(frozen=True)
class Plan:
    slug: str  # the rehearsal copy's slug
    base: str  # http://127.0.0.1:8000
    phones: int = 200
    duration: float = 60.0
    ramp: float = 10.0  # phones arrive over this many seconds
    nat: bool = False
    posts_per_minute: float = 0.25  # per phone
    taps_per_minute: float = 3.0  # per phone, between applause moments
    sms_senders: int = 0
    sms_per_minute: float = 0.5  # per sender
    twilio_token: str = ""
    vonage_secret: str = ""
    signed_base: str = ""  # the base URL the providers sign (CLAMEUR_PUBLIC_URL or base)
    moderate_rate: float = 0.0  # approvals per second; 0: no simulated moderator
    moderator_token: str = ""
    walls: int = 1
    seed: int = 0
    kinds: tuple[str, ...] = ("clap", "heart", "laugh", "wow", "question")

    @property
    def ws_base(self) -> str:
        return "ws" + self.base[len("http"):]


@dataclass(frozen=True)
class Moment:
    """A speaker finishes: part of the room taps `kind` together for a while."""

    at: float  # seconds from the start
    kind: str
    share: float  # of the phones that join
    length: float  # seconds


@dataclass
class Rhythm:
    """The applause moments of a run, the same for every phone."""

    moments: list[Moment] = field(default_factory=list)

    @classmethod
    def make(cls, plan: Plan, rng: random.Random) -> Rhythm:
        moments, at = [], min(plan.ramp + 2.0, plan.duration / 3)
        kinds: list[str] = [k for k in ("clap", "laugh", "wow", "heart") if k in plan.kinds]
        kinds = kinds or list(plan.kinds)
        while at < plan.duration - 2:
            kind = kinds[0] if rng.random() < 0.7 else rng.choice(kinds)
            moments.append(Moment(at, kind, rng.uniform(0.4, 0.8), rng.uniform(1.5, 4.0)))
            at += rng.uniform(8.0, 20.0)
        return cls(moments)


def pick_kind(plan: Plan, rng: random.Random) -> str:
    kinds = list(plan.kinds)
    weights = [KINDS_WEIGHTS.get(k, 10) for k in kinds]
    return rng.choices(kinds, weights)[0]


def source_address(index: int, nat: bool) -> str | None:
    """The loopback address phone `index` connects from: all from 127.0.0.1 behind a NAT,
    else one address each in 127.10.0.0/16 (Linux answers every 127.0.0.0/8 address)."""
    if nat:
        return None
    return f"127.10.{index // 250}.{index % 250 + 1}"
