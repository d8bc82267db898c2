"""Reaction taps from audience sockets, written to Redis about ten times a second.

Thousands of taps a second become one script per event and interval
(wall/store/reactions.py::apply_batch). What this process holds, and why none is counted
twice or stamped into the wrong minute:

- Taps are kept by minute: a batch carries the minute each tap came in, so taps held
  through an outage land in their own minutes of the timeline, not the minute it ended.
- A batch has an id (this process, a sequence number). Once sent it is resent as it is
  until Redis answers: if the first send was applied and only the answer was lost, Redis
  recognises the id and counts nothing; batches are sent in order, one at a time.
- The tap budget is per device and per address across every process and socket (the
  `reaction_device` / `reaction_ip` limits, counted in Redis by the batch script, the
  device from the socket's signed cookie): a phone opening ten sockets has one budget.
  While Redis is unreachable, the same windows are counted here (`LocalWindows`).
- Memory is bounded: past `max_held` minutes waiting for Redis (all events together) the
  oldest are dropped, counted (`dropped`, the `clameur_reaction_taps_dropped` metric) and
  logged.

Socket taps are acknowledged to nobody: a crash loses at most the last interval's taps,
and those held through an outage. HTTP taps are written before their `202`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from wall.metrics import Metrics
from wall.ratelimit import RateLimiter
from wall.store.client import Client, StoreError
from wall.store.reactions import Part, apply_batch
from wall.tasks import cancel_and_wait

log = logging.getLogger(__name__)
FLUSH_INTERVAL = 0.1
# Minutes of taps (per event) held while Redis is unreachable: a week of one event.
MAX_HELD = 10_000
# The limits a socket's taps count against, and whose identity: the device, the address.
TAP_LIMITS = (("reaction_device", "device"), ("reaction_ip", "ip"))

Limits = list[tuple[str, int, int]]  # (rate key, count, window in seconds)


class LocalWindows:
    """The fixed windows of wall/store/limits.py, counted in this process's memory: what
    limits taps while Redis cannot count them."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}  # rate key -> (ends at, used)

    def admit(self, limits: Limits, want: int, now: float) -> int:
        """How many of `want` taps fit in every window of `limits`; counted in them."""
        allow = want
        for key, count, window in limits:
            ends, used = self._windows.get(key, (0.0, 0))
            if now >= ends:
                self._windows[key] = (now + window, 0)
                used = 0
            allow = min(allow, count - used)
        allow = max(allow, 0)
        for key, _, _ in limits:
            ends, used = self._windows[key]
            self._windows[key] = (ends, used + allow)
        return allow

    def prune(self, now: float) -> None:
        self._windows = {k: w for k, w in self._windows.items() if w[0] > now}


@dataclass
class _Batch:
    seq: int
    parts: list[Part]


@dataclass
class _Event:
    # (minute, device, address) -> taps not yet counted against their limits.
    offers: dict[tuple[int, str, str], Counter[str]] = field(default_factory=dict)
    # minute -> taps admitted (no limits, or counted here during an outage), to write.
    held: dict[int, Counter[str]] = field(default_factory=dict)
    inflight: _Batch | None = None  # sent, fate unknown: resent as it is
    failing: bool = False


class ReactionCounter:
    def __init__(self, redis: Client, limiter: RateLimiter | None = None,
                 metrics: Metrics | None = None, interval: float = FLUSH_INTERVAL,
                 max_held: int = MAX_HELD, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.limiter = limiter
        self.metrics = metrics
        self.interval = interval
        self.max_held = max_held
        self.clock = clock
        self.process = secrets.token_hex(8)  # this counter's batches' id
        self.local = LocalWindows()
        self.dropped = 0  # taps dropped past `max_held`, or held when stopped
        # Sequence numbers of this process's batches, increasing across events and for the
        # process's whole life (an event's entry here comes and goes with its taps).
        self._seq = 0
        self._events: dict[str, _Event] = {}
        self._task: asyncio.Task[None] | None = None

    def offer(self, slug: str, counts: dict[str, int], device: str = "", ip: str = "") -> None:
        """Taps from a socket of `device` (its signed cookie's id, "" without one: then the
        address is its device) at address `ip`; counted at the next flush, within limits."""
        event = self._events.setdefault(slug, _Event())
        minute = int(self.clock() // 60)
        if self.limiter is None or self.limiter.limits is None:
            event.held.setdefault(minute, Counter()).update(counts)
            return
        event.offers.setdefault((minute, device or f"addr:{ip}", ip), Counter()).update(counts)

    def _limits(self, slug: str, device: str, ip: str, cost: int) -> Limits | None:
        """The windows a tap of (`device`, `ip`) counts against; None when limits are off."""
        if self.limiter is None or self.limiter.limits is None:
            return None
        wanted = {"device": device, "ip": ip}
        checks = [(name, wanted[who]) for name, who in TAP_LIMITS if name in self.limiter.limits]
        plan = self.limiter.plan(slug, checks, cost)
        if plan is None:
            return None
        pairs = plan.args[1:]
        return [(key, int(pairs[2 * i]), int(pairs[2 * i + 1])) for i, key in enumerate(plan.keys)]

    def _parts(self, slug: str, event: _Event) -> list[Part]:
        """A new batch: what is held, then the offers with the windows they count against."""
        parts = [Part(minute, dict(counts)) for minute, counts in sorted(event.held.items())]
        for (minute, device, ip), counts in event.offers.items():
            parts.append(Part(minute, dict(counts),
                              self._limits(slug, device, ip, counts.total()) or []))
        event.held, event.offers = {}, {}
        return parts

    def _admit_locally(self, slug: str, event: _Event) -> None:
        """While a batch waits for Redis: count the new offers in this process's windows."""
        now = self.clock()
        for (minute, device, ip), counts in event.offers.items():
            limits = self._limits(slug, device, ip, counts.total()) or []
            allow = self.local.admit(limits, counts.total(), now)
            held = event.held.setdefault(minute, Counter())
            for kind, n in counts.items():
                take = min(n, allow)
                allow -= take
                if take:
                    held[kind] += take
        event.offers = {}
        self.local.prune(now)

    async def flush(self) -> None:
        for slug, event in list(self._events.items()):
            await self._flush_event(slug, event)
            if not (event.offers or event.held or event.inflight):
                self._events.pop(slug, None)
        self._bound()

    async def _flush_event(self, slug: str, event: _Event) -> None:
        if event.inflight is None:
            parts = self._parts(slug, event)
            if not parts:
                return
            self._seq += 1
            event.inflight = _Batch(self._seq, parts)
        else:
            self._admit_locally(slug, event)
        try:
            applied = await apply_batch(self.redis, slug, self.process, event.inflight.seq,
                                        event.inflight.parts)
        except StoreError as exc:
            if not event.failing:
                log.warning("reaction taps for %s held in memory, Redis unreachable: %s",
                            slug, exc)
            event.failing = True
            return
        if event.failing:
            log.warning("reaction taps for %s written again", slug)
        event.inflight, event.failing = None, False
        if self.metrics is not None:
            self.metrics.taps.inc(sum(applied.delta.values()))
            if applied.cut:
                self.metrics.count_limited("reaction", applied.cut)

    def held_minutes(self) -> int:
        return sum(len(e.held) for e in self._events.values())

    def _bound(self) -> None:
        """Drop the oldest held minutes past `max_held`, counted and logged."""
        excess = self.held_minutes() - self.max_held
        if excess <= 0:
            return
        oldest = sorted((minute, slug) for slug, e in self._events.items() for minute in e.held)
        for minute, slug in oldest[:excess]:
            self._drop(slug, self._events[slug].held.pop(minute).total(), "held too long")

    def _drop(self, slug: str, taps: int, why: str) -> None:
        if not taps:
            return
        self.dropped += taps
        if self.metrics is not None:
            self.metrics.taps_dropped.inc(taps)
        log.warning("%d reaction taps for %s dropped (%s, Redis unreachable)", taps, slug, why)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reaction-flush")

    async def stop(self) -> None:
        """Stop flushing; one last flush, and what it could not write is dropped (said)."""
        if self._task:
            await cancel_and_wait(self._task)
        await self.flush()
        for slug, event in self._events.items():
            taps = sum(c.total() for c in event.held.values()) \
                + sum(c.total() for c in event.offers.values()) \
                + sum(sum(p.counts.values()) for p in (event.inflight.parts
                                                        if event.inflight else []))
            self._drop(slug, taps, "server stopped")
        self._events.clear()
