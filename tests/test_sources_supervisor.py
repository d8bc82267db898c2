"""The ingest supervisor: restarts with growing pauses, follows events opening and closing."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.cli import clameur
from tests.support.sources import eventually, status
from wall.models import Event
from wall.sources.registry import connectors
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Backoff, Supervisor
from wall.store import keys
from wall.store.events import get_event, update_event


async def _backoff_status(redis: Redis, slug: str, name: str) -> dict[str, object]:
    current = await status(redis, slug, name)
    return current if current.get("state") == "backoff" else {}


def test_backoff_doubles_up_to_its_ceiling() -> None:
    """Each failure doubles the pause (with a little jitter below it), capped at `longest`."""
    backoff = Backoff(first=1.0, longest=30.0)
    delays = [backoff.delay(n) for n in range(1, 8)]
    assert all(0.8 * min(30, 2 ** (n - 1)) <= d <= min(30, 2 ** (n - 1))
               for n, d in zip(range(1, 8), delays, strict=True))
    assert delays[-1] <= 30.0


async def test_a_crashing_connector_is_restarted_while_a_healthy_one_keeps_working(
        redis: Redis) -> None:
    """One runner raises each time; it is restarted with backoff, the other is never touched."""
    ev = await make_event(redis, hashtags=["t"])
    starts = {"bad": 0, "good": 0}
    good_ticks = asyncio.Event()

    async def bad() -> None:
        starts["bad"] += 1
        raise ConnectionError("upstream down")

    async def good() -> None:
        starts["good"] += 1
        while True:
            good_ticks.set()
            await asyncio.sleep(0.01)

    def plan(event: Event) -> dict[str, tuple[str, object]]:
        return {"bad": ("bad", bad), "good": ("good", good)}

    supervisor = Supervisor(redis, plan, Backoff(0.01, 5.0), only={ev.slug})  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))

    async def restarted_thrice() -> bool:
        return starts["bad"] >= 4

    await eventually(restarted_thrice)
    await good_ticks.wait()
    bad_status = await status(redis, ev.slug, "bad")
    failure = await eventually(lambda: _backoff_status(redis, ev.slug, "bad"))
    assert "ConnectionError: upstream down" in failure["error"]
    stop.set()
    await task
    assert starts["good"] == 1
    assert bad_status["restarts"] >= 3
    assert (await status(redis, ev.slug, "good"))["restarts"] == 0


async def test_connectors_stop_when_the_event_closes(redis: Redis) -> None:
    """Closing the event cancels its connectors at the next reconcile."""
    ev = await make_event(redis, hashtags=["t"])
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    supervisor = Supervisor(redis, lambda e: {"c": ("c", forever)}, Backoff(0.01, 0.05),
                            only={ev.slug})
    await supervisor.reconcile()
    assert list(supervisor.tasks) == [(ev.slug, "c")]
    await update_event(redis, ev.slug, {"status": "closed"})
    await supervisor.reconcile()
    await asyncio.wait_for(cancelled.wait(), 5)
    assert supervisor.tasks == {}
    assert await redis.hget(keys.source_status(ev.slug), "c") is not None


def test_source_settings_come_from_the_environment_then_the_config_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLAMEUR_X_API_URL beats `[sources] x_api_url`, which beats the default."""
    config = tmp_path / "clameur.toml"
    config.write_text('[sources]\nx_api_url = "https://proxy.example"\n'
                      'mastodon_poll_seconds = 30\n')
    monkeypatch.delenv("CLAMEUR_X_API_URL", raising=False)
    monkeypatch.delenv("CLAMEUR_MASTODON_POLL_SECONDS", raising=False)
    loaded = SourceSettings.load(str(config))
    assert (loaded.x_api_url, loaded.seconds("mastodon_poll_seconds")) == (
        "https://proxy.example", 30.0)
    monkeypatch.setenv("CLAMEUR_X_API_URL", "http://127.0.0.1:9")
    assert SourceSettings.load(str(config)).x_api_url == "http://127.0.0.1:9"
    monkeypatch.delenv("CLAMEUR_X_API_URL")
    assert SourceSettings.load(str(tmp_path / "none.toml")).x_api_url == "https://api.twitter.com"


async def test_event_options_choose_the_hashtag_sources(redis_url: str, redis: Redis) -> None:
    """`clameur event create --sources` is stored; an unknown source is refused."""
    slug = f"src-{secrets.token_hex(3)}"
    env = {"REDIS_URL": redis_url}
    made = clameur("event", "create", slug, "--title", "T", "--hashtags", "a,#b",
                   "--sources", "mastodon,bluesky", "--mastodon-instances", "piaille.fr",
                   env=env)
    assert made.returncode == 0, made.stderr
    event = await get_event(redis, slug)
    assert event is not None and event.sources == ["mastodon", "bluesky"]
    assert event.hashtags == ["a", "b"] and event.mastodon_instances == ["piaille.fr"]
    bad = clameur("event", "update", slug, "--sources", "x,myspace", env=env)
    assert bad.returncode == 2 and "unknown source 'myspace'" in bad.stderr
    assert (await get_event(redis, slug)).sources == ["mastodon", "bluesky"]  # type: ignore[union-attr]


async def test_the_plan_follows_sources_hashtags_instances_and_tokens(redis: Redis) -> None:
    """X needs a token, Mastodon instances, all need hashtags; keys change with settings."""
    with_token = SourceSettings(x_bearer_token="t")
    event = Event(slug="p", title="P", hashtags=["Clameur"], mastodon_instances=[
        "piaille.fr", "http://127.0.0.1:9"])
    async with connectors(redis, with_token) as registry:
        plan = registry.plan(event)
        assert sorted(name for name, _ in plan.values()) == [
            "bluesky", "mastodon:127.0.0.1", "mastodon:piaille.fr", "x"]
        renamed = registry.plan(Event(slug="p", title="P", hashtags=["autre"]))
        assert not set(renamed) & set(plan)
        assert registry.plan(Event(slug="p", title="P")) == {}
        only = registry.plan(Event(slug="p", title="P", hashtags=["a"], sources=["x"]))
        assert [name for name, _ in only.values()] == ["x"]
    async with connectors(redis, SourceSettings()) as registry:
        assert "x" not in [name for name, _ in registry.plan(event).values()]


def test_every_source_setting_is_documented() -> None:
    """docs/sources.md lists every variable `clameur ingest --help` prints."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "sources.md").read_text()
    missing = [env for env, _, _ in SourceSettings.documented() if f"`{env}`" not in text]
    assert missing == []
