"""`/metrics` speaks Prometheus text and counts what really happened."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import EventFixture
from tests.support.clients import FeedClient, approved, post
from tests.support.servers import ServerProcess


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_count_posts_decisions_sockets_and_event_figures(
        http: httpx.AsyncClient, server: ServerProcess, event: EventFixture) -> None:
    """Posts, decisions, open sockets and per-event figures appear in /metrics."""
    before = samples((await http.get("/metrics")).text)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    await approved(http, event.slug, "compté", event.token)
    await post(http, event.slug, "en attente")
    res = await http.get("/metrics")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    after = samples(res.text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("clameur_items_total", source="web", outcome="accepted") == 2
    assert delta("clameur_decisions_total", action="approve", result="ok") == 1
    assert after[("clameur_websockets", (("role", "wall"),))] >= 1
    assert after[("clameur_event_items_received", (("event", event.slug),))] == 2
    assert after[("clameur_event_items_pending", (("event", event.slug),))] == 1
    assert after[("clameur_event_items_on_wall", (("event", event.slug),))] == 1
    await wall.close()
