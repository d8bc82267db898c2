"""`/metrics` speaks Prometheus text and counts what really happened.

Counters and per-event figures are read from the app in-process (`app_client`); open sockets
from a real server, since only a real WebSocket is a socket."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved, post
from tests.support.servers import ServerProcess

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0) - before.get(key, 0)


async def test_metrics_count_posts_decisions_and_event_figures(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """Posts, decisions and per-event figures appear in /metrics as Prometheus text."""
    before = samples((await app_client.get("/metrics")).text)
    await approved(app_client, event.slug, "compté", event.token)
    await post(app_client, event.slug, "en attente")
    res = await app_client.get("/metrics")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    after = samples(res.text)
    assert delta(before, after, "clameur_items_total", source="web", outcome="accepted") == 2
    assert delta(before, after, "clameur_decisions_total", action="approve", result="ok") == 1
    assert after[("clameur_event_items_received", (("event", event.slug),))] == 2
    assert after[("clameur_event_items_pending", (("event", event.slug),))] == 1
    assert after[("clameur_event_items_on_wall", (("event", event.slug),))] == 1


async def test_metrics_count_open_sockets_by_role(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """An open wall socket counts in clameur_websockets{role="wall"} while it is open."""
    key = ("clameur_websockets", (("role", "wall"),))
    before = samples((await http.get("/metrics")).text)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    after = samples((await http.get("/metrics")).text)
    await wall.close()
    assert after[key] == before[key] + 1
