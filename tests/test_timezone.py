"""The event's time zone: an IANA name, Europe/Paris unless set, checked wherever an event
is created or changed; the report shows its times in it whatever the server's zone, and
`?tz=` / `--tz` still choose another."""

from __future__ import annotations

import json

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.cli import clameur
from tests.support.seeded import DEBATE_START, Clock
from wall.models import DEFAULT_TIMEZONE, Event, Item, new_item_id
from wall.moderation.intake import accept
from wall.store import keys
from wall.store.decisions import decide
from wall.store.events import EventError, create_event, get_event, update_event
from wall.store.reactions import add_reactions
from wall.store.tokens import create_token


def _admin(event: EventFixture, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {event.admin_token}", "Accept-Language": lang}


async def test_an_event_saved_before_time_zones_reads_the_default(redis: Redis) -> None:
    """A meta hash without `timezone` (an event of an earlier version) loads as Paris, and
    a new event without one is Paris too."""
    slug = f"tz-{new_item_id()}"
    await create_event(redis, Event(slug=slug, title="Ancien"))
    assert await redis.hget(keys.meta(slug), "timezone") == "Europe/Paris"
    await redis.hdel(keys.meta(slug), "timezone")
    old = await get_event(redis, slug)
    assert old is not None and old.timezone == DEFAULT_TIMEZONE == "Europe/Paris"
    # Other changes to it do not stumble on the missing field.
    assert (await update_event(redis, slug, {"status": "closed"})).timezone == "Europe/Paris"


@pytest.mark.parametrize("name", ["Europe/Pariss", "europe/paris", "localtime",
                                  "posixrules", "../etc/passwd", "", "CET+1"])
async def test_the_store_refuses_a_zone_it_cannot_name(redis: Redis, name: str) -> None:
    """Unknown names, a wrong case, and names of the machine's own setting are refused on
    create and on update; nothing is written."""
    slug = f"tz-{new_item_id()}"
    with pytest.raises(EventError, match="unknown time zone"):
        await create_event(redis, Event(slug=slug, title="x", timezone=name))
    assert await get_event(redis, slug) is None
    await create_event(redis, Event(slug=slug, title="x", timezone="America/Montreal"))
    with pytest.raises(EventError, match="unknown time zone"):
        await update_event(redis, slug, {"timezone": name})
    saved = await get_event(redis, slug)
    assert saved is not None and saved.timezone == "America/Montreal"


async def test_settings_route_reads_checks_and_saves_the_zone(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """GET gives the zone, check and PUT refuse an unknown one in both languages with
    nothing saved, PUT saves a known one."""
    url = f"/api/events/{event.slug}/settings"
    got = await app_client.get(url, headers=_admin(event))
    assert got.json()["settings"]["timezone"] == "Europe/Paris"
    for lang, expected in (("en", "unknown time zone: Mars/Olympus (an IANA name"),
                           ("fr", "fuseau horaire inconnu : Mars/Olympus (un nom IANA")):
        checked = await app_client.post(url + "/check", headers=_admin(event, lang),
                                        json={"timezone": "Mars/Olympus"})
        assert checked.status_code == 200
        assert [(d["field"], expected in d["message"]) for d in checked.json()["detail"]] \
            == [("timezone", True)], checked.json()
        refused = await app_client.put(url, headers=_admin(event, lang),
                                       json={"title": "Autre", "timezone": "Mars/Olympus"})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["field"] == "timezone"
        assert expected in refused.json()["detail"][0]["message"]
    kept = await get_event(redis, event.slug)
    assert kept is not None and (kept.title, kept.timezone) == (f"Test {event.slug}",
                                                                "Europe/Paris")
    saved = await app_client.put(url, headers=_admin(event),
                                 json={"timezone": "America/Montreal"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["event"]["timezone"] == "America/Montreal"
    got = await app_client.get(url, headers=_admin(event))
    assert got.json()["settings"]["timezone"] == "America/Montreal"


async def test_desk_overview_names_the_zone(app_client: httpx.AsyncClient,
                                            event: EventFixture) -> None:
    """`GET /desk` (what every desk reads on connecting) carries the event's zone."""
    res = await app_client.get(f"/api/events/{event.slug}/desk", headers=event.auth)
    assert res.status_code == 200 and res.json()["event"]["timezone"] == "Europe/Paris"


def test_cli_sets_shows_and_refuses_zones(redis_url: str) -> None:
    """`event create/update --timezone` sets it (default Paris), `event show` prints it, an
    unknown name exits 2 naming the problem."""
    env = {"REDIS_URL": redis_url}
    slug = f"tz-{new_item_id()}"
    assert clameur("event", "create", slug, "--title", "Fuseau", env=env).returncode == 0
    assert json.loads(clameur("event", "show", slug, env=env).stdout)["timezone"] == \
        "Europe/Paris"
    done = clameur("event", "update", slug, "--timezone", "America/Montreal", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(clameur("event", "show", slug, env=env).stdout)["timezone"] == \
        "America/Montreal"
    bad = clameur("event", "update", slug, "--timezone", "Paris", env=env)
    assert bad.returncode == 2 and "unknown time zone: Paris" in bad.stderr
    other = f"tz-{new_item_id()}"
    made = clameur("event", "create", other, "--title", "Montréal", "--timezone",
                   "America/Montreal", env=env)
    assert made.returncode == 0, made.stderr
    assert json.loads(clameur("event", "show", other, env=env).stdout)["timezone"] == \
        "America/Montreal"


async def _timed(redis: Redis, monkeypatch: pytest.MonkeyPatch, zone: str | None) -> str:
    """One post received at 2026-11-24 19:00:00 UTC, approved 30 s later, clapped then."""
    clock = Clock(monkeypatch, DEBATE_START)
    slug = f"tz-{new_item_id()}"
    event = Event(slug=slug, title="Conseil", **({"timezone": zone} if zone else {}))
    await create_event(redis, event)
    item = Item(id=new_item_id(), event=slug, source="web", source_id="1", author="Anne",
                text="Bonsoir", received_at=clock.iso(), author_key="web:a")
    item_id = (await accept(redis, event, item)).id
    clock.now = DEBATE_START + 30
    assert (await decide(redis, slug, item_id, "approve", by="alice")).status == "ok"
    await add_reactions(redis, slug, {"clap": 4})
    return slug


def _report_cli(redis_url: str, slug: str, *extra: str) -> str:
    done = clameur("report", slug, "--output", "-", "--lang", "en", *extra,
                   env={"REDIS_URL": redis_url, "TZ": "UTC"})
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_report_of_a_french_event_on_a_utc_server_shows_paris_times(
        redis: Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """19:00 UTC is 20:00 in Paris: the report written by a process whose TZ is UTC says
    20:00 and names Europe/Paris; `--tz UTC` gives back 19:00."""
    slug = await _timed(redis, monkeypatch, None)
    html = _report_cli(redis_url, slug)
    assert "2026-11-24, 20:00–20:05 (Europe/Paris)" in html
    assert "Times are shown in Europe/Paris." in html
    assert "19:00" not in html
    utc = _report_cli(redis_url, slug, "--tz", "UTC")
    assert "2026-11-24, 19:00–19:05 (UTC)" in utc
    bad = clameur("report", slug, "--output", "-", "--tz", "Mars/Olympus",
                  env={"REDIS_URL": redis_url})
    assert bad.returncode == 2 and "unknown time zone" in bad.stderr


async def test_report_of_a_montreal_event_shows_montreal_times(
        redis: Redis, app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """19:00 UTC is 14:00 in Montreal: the served report says so by default, `?tz=` picks
    another zone, and an unknown `?tz=` falls back to the event's."""
    slug = await _timed(redis, monkeypatch, "America/Montreal")
    admin, _ = await create_token(redis, slug, "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    url = f"/e/{slug}/report"
    html = (await app_client.get(url, params={"lang": "fr"}, headers=headers)).text
    assert "2026-11-24, 14:00–14:05 (America/Montreal)" in html
    assert "Anne · web · 14:00 ·" in html  # shown on the wall at 19:00:30 UTC
    paris = (await app_client.get(url, params={"tz": "Europe/Paris"}, headers=headers)).text
    assert "2026-11-24, 20:00–20:05 (Europe/Paris)" in paris
    odd = (await app_client.get(url, params={"tz": "Nowhere/Land"}, headers=headers)).text
    assert "2026-11-24, 14:00–14:05 (America/Montreal)" in odd
