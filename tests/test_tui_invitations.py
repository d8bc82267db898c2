"""Volunteers invited from the desk (`i`, admin token), driven by Pilot against a real
server: a new invitation shows its one-time link to the browser desk and a QR code that
reads back as that link; once revoked it opens nothing; a moderator is refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import OptionList, Static

from moderator_tui.screens.invitations import InvitationsScreen
from tests.conftest import EventFixture
from tests.support.desk import running_desk
from tests.support.qrcodes import decode_image, terminal_qr_image
from tests.support.servers import ServerProcess
from tests.test_tui_settings import _until, text_of

DESK = "http://192.0.2.10:8001"  # TEST-NET-1: where this desk says the browser desk is


async def test_an_admin_invites_by_qr_then_revokes(
        server: ServerProcess, event: EventFixture, http: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`i` then `2`: a two-hour invitation, its link and QR code shown (the code reads back
    as the link); the link's code is redeemable once; `x` revokes the next one, which then
    opens nothing, and the list says so."""
    monkeypatch.setenv("CLAMEUR_DESK_URL", DESK)
    async with running_desk(server.url, event.slug, event.admin_token) as (app, pilot):
        await pilot.press("i")
        await _until(pilot, lambda: isinstance(app.screen, InvitationsScreen), "the screen")
        await _until(pilot, lambda: "No invitation yet." in text_of(app, "#invites-message"),
                     "the empty list")
        await pilot.press("2")
        await _until(pilot, lambda: "Invitation created" in text_of(app, "#invites-message"),
                     "the invitation")
        link = next(line for line in text_of(app, "#invite-link").splitlines()
                    if line.startswith(DESK))
        assert link.startswith(f"{DESK}/invite/{event.slug}.")
        qr = str(app.screen.query_one("#invite-qr", Static).render())
        assert decode_image(terminal_qr_image(qr, tmp_path / "qr.pgm")) == [link]
        code = link.rsplit("/", 1)[1]
        used = await http.post("/api/invitations/redeem", json={"code": code,
                                                                "used_by": "tablet"})
        assert used.status_code == 200 and used.json()["event"] == event.slug
        await pilot.press("1")  # a second one, to revoke before anyone uses it
        await _until(pilot, lambda: app.screen.query_one("#invites", OptionList)
                     .option_count == 2, "two invitations")
        second = next(line for line in text_of(app, "#invite-link").splitlines()
                      if line.startswith(DESK)).rsplit("/", 1)[1]
        listing = app.screen.query_one("#invites", OptionList)
        listing.highlighted = 0  # the newest first
        await pilot.press("x")
        await _until(pilot, lambda: "Revoked" in text_of(app, "#invites-message"), "revoked")
        lines = [str(o.prompt) for o in listing.options]
        assert lines[0].startswith("revoked") and lines[1].startswith("used"), lines
        assert "from tablet" in lines[1]
    refused = await http.post("/api/invitations/redeem", json={"code": second})
    assert refused.status_code == 410 and refused.json()["error"] == "revoked"
    again = await http.post("/api/invitations/redeem", json={"code": code})
    assert again.status_code == 410 and again.json()["error"] == "used"


async def test_a_moderator_cannot_invite(server: ServerProcess, event: EventFixture) -> None:
    """A moderator's desk gets "admins only" in French, and no invitation is made."""
    async with running_desk(server.url, event.slug, event.token, lang="fr") as (app, pilot):
        await pilot.press("i")
        await _until(pilot, lambda: "réservées aux admins" in text_of(app, "#invites-message"),
                     "the refusal")
        await pilot.press("2")
        await _until(pilot, lambda: "réservées aux admins" in text_of(app, "#invites-message"),
                     "the refusal again")
        assert not app.screen.query_one("#invite-new").display
