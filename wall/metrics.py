"""Prometheus metrics at `/metrics`: what came in, what was decided, who is connected.

Counters live in a registry owned by the app (not the process-global one), so several apps
in one process (tests) never collide. Gauges are read from the hub when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.live.hub import Hub
from wall.store import keys


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
        self.limited = Counter("clameur_rate_limited", "Requests refused or dropped by a limit",
                               ["entry"], registry=self.registry)
        self.registry.register(_HubCollector(hub))


class _EventsCollector(Collector):
    """Per-event figures read from Redis at scrape time: true across all processes."""

    def __init__(self, rows: list[tuple[str, int, int, int, dict[str, str]]]) -> None:
        self.rows = rows

    def collect(self) -> Iterator[GaugeMetricFamily]:
        received = GaugeMetricFamily("clameur_event_items_received",
                                     "Items in the event's inbox", labels=["event"])
        pending = GaugeMetricFamily("clameur_event_items_pending", "Items awaiting a decision",
                                    labels=["event"])
        onwall = GaugeMetricFamily("clameur_event_items_on_wall", "Items shown on the wall",
                                   labels=["event"])
        reactions = GaugeMetricFamily("clameur_event_reactions", "Reaction totals",
                                      labels=["event", "kind"])
        for slug, n_in, n_pending, n_wall, totals in self.rows:
            received.add_metric([slug], n_in)
            pending.add_metric([slug], n_pending)
            onwall.add_metric([slug], n_wall)
            for kind, total in totals.items():
                reactions.add_metric([slug, kind], int(total))
        yield from (received, pending, onwall, reactions)


async def _event_rows(redis: Redis) -> list[tuple[str, int, int, int, dict[str, str]]]:
    rows = []
    for slug in sorted(await redis.smembers(keys.EVENTS_INDEX)):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.xlen(keys.inbox(slug))
            pipe.zcard(keys.pending(slug))
            pipe.zcard(keys.onwall(slug))
            pipe.hgetall(keys.reactions(slug))
            n_in, n_pending, n_wall, totals = await pipe.execute()
        rows.append((slug, n_in, n_pending, n_wall, totals))
    return rows


async def metrics_endpoint(request: Request) -> Response:
    per_event = CollectorRegistry()
    per_event.register(_EventsCollector(await _event_rows(request.app.state.redis)))
    body = generate_latest(request.app.state.metrics.registry) + generate_latest(per_event)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [Route("/metrics", metrics_endpoint, methods=["GET"])]
