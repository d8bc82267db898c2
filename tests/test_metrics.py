"""`/metrics` speaks Prometheus text, counts what really happened, answers only with the
metrics token and never names a draft event.

Counters and per-event figures are read from the app in-process; open sockets from a real
server, since only a real WebSocket is a socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.clients import FeedClient, approved, post
from tests.support.inprocess import InProcessApp
from tests.support.servers import ServerProcess

METRICS_TOKEN = "scrape-me"
SCRAPE = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
async def app_client(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process, with a metrics token set."""
    async with InProcessApp(redis_url, env={"CLAMEUR_METRICS_TOKEN": METRICS_TOKEN}) as app, \
            app.client() as client:
        yield client


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_METRICS_TOKEN": METRICS_TOKEN})
    yield proc.start()
    proc.stop()

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
    before = samples((await app_client.get("/metrics", headers=SCRAPE)).text)
    await approved(app_client, event.slug, "compté", event.token)
    await post(app_client, event.slug, "en attente")
    res = await app_client.get("/metrics", headers=SCRAPE)
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
    before = samples((await http.get("/metrics", headers=SCRAPE)).text)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    after = samples((await http.get("/metrics", headers=SCRAPE)).text)
    await wall.close()
    assert after[key] == before[key] + 1


async def test_metrics_need_the_metrics_token(app_client: httpx.AsyncClient,
                                             event: EventFixture) -> None:
    """No token, a wrong one, an event's admin token or `?token=`: 401, naming nothing."""
    for headers, params in (({}, {}), ({"Authorization": "Bearer nope"}, {}),
                            (event.admin_auth, {}), ({}, {"token": METRICS_TOKEN}),
                            ({"Authorization": "Bearer é".encode()}, {})):
        res = await app_client.get("/metrics", headers=headers, params=params)
        assert res.status_code == 401, (headers, params)
        assert event.slug not in res.text


async def test_metrics_are_off_without_a_token_setting(inprocess_app: InProcessApp) -> None:
    """With CLAMEUR_METRICS_TOKEN unset, `/metrics` is a 404 for everyone."""
    async with inprocess_app.client() as client:
        res = await client.get("/metrics", headers=SCRAPE)
    assert res.status_code == 404 and res.json()["error"] == "metrics_off"


async def test_metrics_never_name_a_draft_event(app_client: httpx.AsyncClient,
                                                redis: Redis, event: EventFixture) -> None:
    """A draft event is absent from every per-event figure; an open one is there."""
    draft = await make_event(redis, status="draft")
    text = (await app_client.get("/metrics", headers=SCRAPE)).text
    assert draft.slug not in text
    assert f'event="{event.slug}"' in text
