"""Prometheus metrics (served at `/metrics` by routes/operator.py): what came in, what was
decided, who is connected.

Counters live in a registry owned by the app (not the process-global one), so several apps
in one process (tests) never collide. Gauges are read from the hub when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from wall.live.hub import Hub
from wall.store.figures import EventFigures


class _HubCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily]:
        sockets = GaugeMetricFamily("clameur_websockets", "Open WebSockets by role",
                                    labels=["role"])
        channels = list(self.hub.channels.values())
        sockets.add_metric(["wall"], sum(len(c.walls) for c in channels))
        sockets.add_metric(["moderator"], sum(len(c.mods) for c in channels))
        yield sockets
        yield GaugeMetricFamily("clameur_hub_channels", "Events with listeners on this process",
                                value=len(channels))


class Metrics:
    def __init__(self, hub: Hub) -> None:
        self.registry = CollectorRegistry()
        self.items = Counter("clameur_items", "Items received, by source and outcome",
                             ["source", "outcome"], registry=self.registry)
        self.decisions = Counter("clameur_decisions", "Moderator decisions, by action and result",
                                 ["action", "result"], registry=self.registry)
        self.taps = Counter("clameur_reaction_taps", "Reaction taps accepted",
                            registry=self.registry)
        self.taps_dropped = Counter(
            "clameur_reaction_taps_dropped", "Socket reaction taps dropped: held past the "
            "bound while Redis was unreachable, or unwritten at shutdown",
            registry=self.registry)
        self.limited = Counter("clameur_rate_limited", "Requests refused or dropped by a limit",
                               ["entry"], registry=self.registry)
        self.registry.register(_HubCollector(hub))
        # Children by labels, looked up once: `labels()` takes a lock and checks its
        # arguments on every call (a few µs of every post).
        self._children: dict[tuple[str, ...], Counter] = {}

    def count_item(self, source: str, outcome: str) -> None:
        """One item received from `source`: accepted, duplicate or invalid."""
        self._child(self.items, "item", source, outcome).inc()

    def count_limited(self, entry: str, amount: int = 1) -> None:
        """`amount` requests (or taps) of `entry` refused or dropped by a rate limit."""
        self._child(self.limited, "limited", entry).inc(amount)

    def _child(self, counter: Counter, name: str, *labels: str) -> Counter:
        key = (name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = counter.labels(*labels)
        return child


class _EventsCollector(Collector):
    """Per-event figures read from Redis at scrape time: true across all processes."""

    def __init__(self, figures: list[EventFigures]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        received = GaugeMetricFamily("clameur_event_items_received",
                                     "Items in the event's inbox", labels=["event"])
        pending = GaugeMetricFamily("clameur_event_items_pending", "Items awaiting a decision",
                                    labels=["event"])
        onwall = GaugeMetricFamily("clameur_event_items_on_wall", "Items shown on the wall",
                                   labels=["event"])
        reactions = GaugeMetricFamily("clameur_event_reactions", "Reaction totals",
                                      labels=["event", "kind"])
        for row in self.figures:
            received.add_metric([row.slug], row.received)
            pending.add_metric([row.slug], row.pending)
            onwall.add_metric([row.slug], row.on_wall)
            for kind, total in row.reactions.items():
                reactions.add_metric([row.slug, kind], total)
        yield from (received, pending, onwall, reactions)


def exposition(metrics: Metrics, figures: list[EventFigures]) -> bytes:
    """The Prometheus text: this process's counters, then the per-event figures."""
    per_event = CollectorRegistry()
    per_event.register(_EventsCollector(figures))
    return generate_latest(metrics.registry) + generate_latest(per_event)
