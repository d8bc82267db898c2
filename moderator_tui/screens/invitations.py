"""`i`: volunteers invited by QR (admin token) — the event's invitations (who used them and
when, expired, revoked), a new one-time link with its QR code, and revocation.

The link points at the browser desk (`clameur moderate --web`): `CLAMEUR_DESK_URL` when
this desk has it (a browser desk gives its sessions the address it was reached at), else
the server's choice (its `CLAMEUR_DESK_URL`, else the room address on port 8001). The QR
code comes drawn by the server (`wall/qr.py`, as `clameur invite create` draws it).
"""

from __future__ import annotations

import os
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from moderator_tui.ages import day_time, parse
from moderator_tui.client import AdminClient, ApiError, Offline
from moderator_tui.i18n import _

EXPIRIES = (("1", "30m", "30 minutes"), ("2", "2h", "2 hours"), ("3", "1d", "1 day"))
STATES = {"open": "waiting", "used": "used", "expired": "expired", "revoked": "revoked"}
QR_STYLE = "#000000 on #ffffff"  # explicit: ANSI names follow the terminal theme


def _used_at(stamp: str, zone: str) -> str:
    when = parse(stamp)
    return day_time(when.timestamp(), zone) if when else "?"


def describe(invitation: dict[str, Any], zone: str = "") -> str:
    """One line: state, label, until when, who used it and when — times in the event's
    `zone` (an IANA name; "" shows UTC), whatever the zone of the desk's computer."""
    state = _(STATES.get(str(invitation.get("state")), str(invitation.get("state"))))
    line = f"{state:<10} {invitation.get('label') or '-':<16} " + \
        _("until {when}").format(when=day_time(float(invitation.get("expires", 0)), zone))
    if invitation.get("used_at"):
        line += "  " + _("used {at} from {by}").format(
            at=_used_at(str(invitation["used_at"]), zone),
            by=invitation.get("used_by") or "?")
    return line


class InvitationsScreen(Screen[None]):
    """1/2/3: a new invitation valid 30 min / 2 h / 1 day; x: revoke; Esc: close."""

    BINDINGS = [Binding("escape", "close", "close"),
                *(Binding(key, f"create('{expires}')", label) for key, expires, label
                  in EXPIRIES),
                Binding("x", "revoke", "revoke")]
    DEFAULT_CSS = """
    InvitationsScreen { layout: vertical; }
    #invites-title { background: $panel; text-style: bold; padding: 0 1; height: 1; }
    #invites-body { height: 1fr; }
    #invites { width: 1fr; height: 1fr; border: none; }
    #invite-new { width: auto; max-width: 60%; height: 1fr; padding: 0 1; }
    #invite-qr { width: auto; height: auto; }
    #invites-message { height: auto; padding: 0 1; background: $panel; }
    #invites-message.bad { color: $text-error; text-style: bold; }
    #invites-keys { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, admin: AdminClient, event: str, zone: str = "") -> None:
        super().__init__()
        self.admin, self.event, self.zone = admin, event, zone
        self.invitations: list[dict[str, Any]] = []
        self.link = ""

    def compose(self) -> ComposeResult:
        yield Static(_("Moderator invitations — {event}").format(event=self.event),
                     id="invites-title", markup=False)
        with Horizontal(id="invites-body"):
            yield OptionList(id="invites")
            with VerticalScroll(id="invite-new"):
                yield Static("", id="invite-link", markup=False)
                yield Static("", id="invite-qr")
        yield Static(_("Loading the invitations…"), id="invites-message", markup=False)
        yield Static(_("1, 2, 3: invite a volunteer for 30 minutes, 2 hours, 1 day · x: "
                       "revoke · Esc: close"), id="invites-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#invite-new").display = False
        self.query_one("#invites", OptionList).focus()
        self.load()

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#invites-message", Static)
        message.update(text)
        message.set_classes(level)

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, ApiError) and exc.status == 403:
            self._say(_("Invitations are for admins only: this desk signed in with a "
                        "moderator token."), "bad")
        elif isinstance(exc, ApiError):
            self._say(exc.message, "bad")
        else:
            self._say(_("The server cannot be reached: try again."), "bad")

    @work(exclusive=True, group="invites-load", exit_on_error=False)
    async def load(self, said: str = "") -> None:
        try:
            self.invitations = await self.admin.invitations()
        except (ApiError, Offline) as exc:
            self._refused(exc)
            return
        listing = self.query_one("#invites", OptionList)
        listing.clear_options()
        listing.add_options([Option(describe(i, self.zone), id=str(i["id"])) for i in
                             reversed(self.invitations)])
        self._say(said or (_("No invitation yet.") if not self.invitations else
                           _("{n} invitation(s).").format(n=len(self.invitations))))

    def action_create(self, expires: str) -> None:
        self.create(expires)

    @work(exclusive=True, group="invites-create", exit_on_error=False)
    async def create(self, expires: str) -> None:
        try:
            made = await self.admin.invite(expires, desk=os.environ.get("CLAMEUR_DESK_URL",
                                                                        ""))
        except (ApiError, Offline) as exc:
            self._refused(exc)
            return
        self.link = str(made["link"])
        self.query_one("#invite-new").display = True
        self.query_one("#invite-link", Static).update(
            _("One-time link (shown once): scan it with the volunteer's tablet or "
              "phone; it opens the desk signed in.") + "\n\n" + self.link + "\n")
        self.query_one("#invite-qr", Static).update(
            Text("\n".join(made.get("qr") or []), style=QR_STYLE))
        self.load(_("Invitation created: valid {expires}, once.").format(expires=expires))

    def action_revoke(self) -> None:
        highlighted = self.query_one("#invites", OptionList).highlighted_option
        if highlighted is None or highlighted.id is None:
            self._say(_("Choose an invitation in the list first."))
            return
        self.revoke(highlighted.id)

    @work(exclusive=True, group="invites-revoke", exit_on_error=False)
    async def revoke(self, invitation_id: str) -> None:
        try:
            await self.admin.revoke(invitation_id)
        except (ApiError, Offline) as exc:
            self._refused(exc)
            return
        self.load(_("Revoked: the link opens nothing, and a desk it opened is closed."))

    def action_close(self) -> None:
        self.dismiss(None)
