"""`clameur invite create|list|revoke`: moderator invitations by QR code.

`create` prints a one-time link to the browser desk (`clameur moderate --web`) and its QR
code: the volunteer scans it with their tablet and the desk opens signed in, no token
typed. The link's base is `--desk`, else `CLAMEUR_DESK_URL`, else this machine's room
address on the web desk's default port (8001).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from wall.commands._run import with_redis
from wall.config import Settings
from wall.desklink import desk_base, invite_link
from wall.models import Event
from wall.qr import qr_terminal
from wall.store.client import Client
from wall.store.events import get_event
from wall.store.invitations import (
    Invitation,
    create_invitation,
    list_invitations,
    parse_duration,
    revoke_invitation,
)
from wall.timezones import zone

OPERATOR = "cli"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("invite", help="invite volunteer moderators by QR code (one-time links "
                                      "to the browser desk)")
    i_sub = p.add_subparsers(dest="invite_command", required=True)
    create = i_sub.add_parser("create", help="a one-time link (and its QR code) that opens "
                                             "the browser desk signed in")
    create.add_argument("slug")
    create.add_argument("--expires", default="2h", help="how long it can be used: 30m, 2h, "
                                                        "1d (default 2h)")
    create.add_argument("--label", default="", help="who it is for (shown in the list)")
    create.add_argument("--desk", help="base URL of the browser desk (CLAMEUR_DESK_URL; "
                                       "default http://<room address>:8001)")
    create.set_defaults(handler=cmd_create)
    lst = i_sub.add_parser("list", help="the event's invitations and who used them")
    lst.add_argument("slug")
    lst.set_defaults(handler=cmd_list)
    revoke = i_sub.add_parser("revoke", help="revoke an invitation (and the desk it opened)")
    revoke.add_argument("slug")
    revoke.add_argument("id")
    revoke.set_defaults(handler=cmd_revoke)


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        seconds = parse_duration(args.expires)
    except ValueError as exc:
        print(f"error: --expires: {exc}", file=sys.stderr)
        return 2

    async def work(redis: Client) -> tuple[str, Invitation] | None:
        if await get_event(redis, args.slug) is None:
            return None
        return await create_invitation(redis, args.slug, seconds, OPERATOR, args.label)

    made = with_redis(settings, work)
    if made is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    code, invitation = made
    link = invite_link(desk_base(args.desk), code)
    if sys.stdout.isatty():
        print("\n".join(qr_terminal(link)))
    print(link)
    print(f"(invitation {invitation.id}: opens the desk once, within {args.expires}; "
          f"clameur invite revoke {args.slug} {invitation.id})", file=sys.stderr)
    return 0


def _when(epoch: float, tz: ZoneInfo) -> str:
    """A moment in the event's time zone, with its abbreviation (whatever this machine's)."""
    return datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M %Z")


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> tuple[Event | None, list[Invitation]]:
        return await get_event(redis, args.slug), await list_invitations(redis, args.slug)

    event, invitations = with_redis(settings, work)
    tz = zone(event.timezone if event else None)
    for invitation in invitations:
        used = f" used {invitation.used_at} from {invitation.used_by}" if invitation.used_at \
            else ""
        print(f"{invitation.id}  {invitation.state():8} until {_when(invitation.expires, tz)}  "
              f"{invitation.label or '-'}{used}")
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> Invitation | None:
        return await revoke_invitation(redis, args.slug, args.id)

    if with_redis(settings, work) is None:
        print(f"error: no invitation {args.id!r} for {args.slug!r}", file=sys.stderr)
        return 2
    print(f"revoked {args.id}")
    return 0
