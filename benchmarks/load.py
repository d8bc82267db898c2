"""How big a run is (`--workers`, `--phones`, `--rate`, `--walls`, `--posts-connections`),
how many generator processes carry it, and whether a generator was the ceiling.

The flags size the load, not the machine: the same command runs on 2 cores or 64, and the
generators are split so that none carries more than it can (`TAPS_PER_GENERATOR`,
`SOCKETS_PER_GENERATOR`). Each generator reports what it offered and how busy it was; a
figure says so when a generator, not the server, set the pace.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# One tap generator (benchmarks/loadgen.py: uvloop, frames built by hand) spends ~10-12 µs
# of CPU per message sent to a sink that discards them (one write system call each), so a
# core offers ~90,000/s; 40,000 each keeps every generator under half a core.
TAPS_PER_GENERATOR = 40_000
# Listeners: one generator parses the frames of this many sockets; 1,000 walls receiving
# 100 items/s is 100,000 frames/s, about half a core.
SOCKETS_PER_GENERATOR = 1_000
# A generator using more of a core than this was (or was close to being) the ceiling.
BUSY = 0.85


@dataclass(frozen=True)
class Load:
    """The sizes of one run (defaults: the full run; `quick`: a smoke test)."""

    quick: bool = False
    workers: tuple[int, ...] = (1, 2, 4)
    phones: int = 400  # audience sockets tapping reactions
    rate: float = 60_000.0  # reaction messages/s they offer, in all
    walls: int = 2_000  # feed sockets receiving the fan-out
    posts_connections: int = 64  # wrk's connections on the posts endpoint
    seconds: float = 10.0  # how long wrk posts (scale figure: half)
    tap_seconds: float = 5.0  # how long phones tap

    @classmethod
    def sized(cls, quick: bool = False, workers: tuple[int, ...] | None = None,
              phones: int | None = None, rate: float | None = None, walls: int | None = None,
              posts_connections: int | None = None) -> Load:
        """The defaults of a full or quick run, with the given flags over them."""
        base = cls(quick=True, workers=(1, 2), phones=100, rate=30_000.0, walls=500,
                   seconds=4.0, tap_seconds=3.0) if quick else cls()
        given: dict[str, Any] = {"workers": workers, "phones": phones, "rate": rate,
                                 "walls": walls, "posts_connections": posts_connections}
        return cls(**{**asdict(base), **{k: v for k, v in given.items() if v is not None}})


def tap_generators(phones: int, rate: float) -> int:
    """Processes for `phones` sockets offering `rate` messages/s."""
    return max(1, min(phones, max(math.ceil(rate / TAPS_PER_GENERATOR),
                                  math.ceil(phones / SOCKETS_PER_GENERATOR))))


def listen_generators(sockets: int) -> int:
    """Processes for `sockets` listeners (at least two: walls and audiences apart)."""
    return max(2, math.ceil(sockets / SOCKETS_PER_GENERATOR)) if sockets > 1 else 1


@dataclass
class Offered:
    """What the tap generators offered against what was asked, and how busy they were."""

    asked: float  # messages/s asked of the generators
    offered: float  # messages/s they managed to send or to attempt (skipped included)
    skipped: int  # messages not sent: the server's socket buffer was full (backpressure)
    busiest: float  # the busiest generator's share of one core during the run
    generators: int

    @property
    def generator_bound(self) -> bool:
        """The generators, not the server, set the pace: they could not offer what was
        asked, or one of them was (nearly) a whole core busy."""
        return self.offered < 0.95 * self.asked or self.busiest >= BUSY

    def note(self) -> str:
        text = (f"{self.offered:,.0f}/s of {self.asked:,.0f}/s by {self.generators} "
                f"gen., busiest {self.busiest:.0%}")
        if self.skipped:
            text += f", {self.skipped:,} held back (server behind)"
        if not self.generator_bound:
            return text
        why = ("a generator used a core: add generators" if self.busiest >= BUSY
               else "starved of CPU: a busy machine")
        return f"{text}: GENERATOR-BOUND ({why})"
