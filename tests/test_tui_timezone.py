"""The desk shows times in the event's time zone (named by `GET /desk`), with its
abbreviation — not in UTC, and not in the zone of the computer running the desk: an item's
time in the detail pane, an invitation's end of validity and when it was used. Saving
another zone in the settings screen changes what the desk shows when the screen closes.

The desk runs in this process with TZ set to Asia/Tokyo, a zone no test event uses.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from redis.asyncio import Redis
from textual.widgets import OptionList

from moderator_tui.screens.invitations import InvitationsScreen
from moderator_tui.screens.settings import SettingsScreen
from tests.conftest import EventFixture, make_event
from tests.support.desk import running_desk, until
from tests.support.servers import ServerProcess
from tests.test_tui_settings import _until, fill, open_settings, save, text_of
from wall.models import Event, Item
from wall.moderation.intake import accept
from wall.store.events import get_event

RECEIVED = "2026-11-26T18:01:00Z"  # 13:01 in Montreal (EST), 19:01 in Paris (CET)


@pytest.fixture
def desk_in_tokyo() -> Iterator[None]:
    """This process (the desk's computer) in Asia/Tokyo, restored afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


async def _montreal(redis: Redis) -> EventFixture:
    """An event in Montreal with one pending item received at RECEIVED."""
    made = await make_event(redis, timezone="America/Montreal")
    event = await get_event(redis, made.slug)
    assert isinstance(event, Event)
    await accept(redis, event, Item(id="tz1", event=made.slug, source="sms", source_id="s1",
                                    author="Léa", text="Bonjour", received_at=RECEIVED,
                                    author_key="sms:1"))
    return made


def _detail(app: object) -> str:
    return str(app.query_one("#detail").render())  # type: ignore[attr-defined]


async def test_item_time_is_in_the_events_zone(server: ServerProcess, redis: Redis,
                                               desk_in_tokyo: None) -> None:
    """18:01 UTC shows as 13:01:00 EST for a Montreal event, neither UTC nor Tokyo time;
    saving Europe/Paris in the settings makes it 19:01:00 CET once the screen closes."""
    event = await _montreal(redis)
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        assert app.session.model.timezone == "America/Montreal"
        await _until(pilot, lambda: "Bonjour" in _detail(app), "the item")
        detail = _detail(app)
        assert "SMS · 13:01:00 EST (" in detail, detail
        assert "18:01:00" not in detail and "03:01:00" not in detail  # UTC, Tokyo
        screen = await open_settings(app, pilot)
        assert isinstance(screen, SettingsScreen)
        fill(screen, {"timezone": "Europe/Paris"})
        said = await save(app, pilot, screen)
        assert said == "Saved: walls and phones use the new settings.", said
        await pilot.press("escape")
        await until(app, pilot, lambda: app.session.model.timezone == "Europe/Paris")
        await _until(pilot, lambda: "19:01:00 CET" in _detail(app), "the new zone")


async def test_invitation_times_are_in_the_events_zone(
        server: ServerProcess, redis: Redis, http: httpx.AsyncClient,
        desk_in_tokyo: None) -> None:
    """An invitation's end of validity and when it was used read in Montreal time with
    its abbreviation, not in the desk computer's (Tokyo) time."""
    event = await _montreal(redis)
    montreal, tokyo = ZoneInfo("America/Montreal"), ZoneInfo("Asia/Tokyo")
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        await pilot.press("i")
        await _until(pilot, lambda: isinstance(app.screen, InvitationsScreen), "the screen")
        await pilot.press("2")
        await _until(pilot, lambda: "Invitation created" in text_of(app, "#invites-message"),
                     "the invitation")
        link = next(line for line in text_of(app, "#invite-link").splitlines()
                    if "/invite/" in line)
        used = await http.post("/api/invitations/redeem",
                               json={"code": link.rsplit("/", 1)[1], "used_by": "tablet"})
        assert used.status_code == 200
        listed = await http.get(f"/api/events/{event.slug}/invitations",
                                headers=event.admin_auth)
        invitation = listed.json()["invitations"][0]
        expires = datetime.fromtimestamp(invitation["expires"], montreal)
        used_at = datetime.fromisoformat(invitation["used_at"].replace("Z", "+00:00"))
        await pilot.press("1")  # a second one: the list is read again
        listing = app.screen.query_one("#invites", OptionList)
        await _until(pilot, lambda: listing.option_count == 2, "two invitations")
        line = str(listing.get_option_at_index(1).prompt)
        assert f"until {expires:%d/%m %H:%M} {expires.tzname()}" in line, line
        assert expires.tzname() in ("EST", "EDT")
        local = used_at.astimezone(montreal)
        assert f"used {local:%d/%m %H:%M} {local.tzname()} from tablet" in line, line
        assert f"{expires.astimezone(tokyo):%d/%m %H:%M}" not in line
