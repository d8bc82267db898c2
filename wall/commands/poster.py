"""`clameur poster SLUG [--output FILE] [--size a4|a3]`: the room's printable poster.

A PDF by default (printed by Chromium), HTML when FILE ends in .html. The QR code and the
short URL lead to the event's audience page at the address phones use: CLAMEUR_PUBLIC_URL,
else this machine's room address and port, as `clameur up` shows them (`--base` overrides).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wall.commands._run import with_redis
from wall.commands.up import EVERY_INTERFACE, public_base
from wall.config import Settings
from wall.models import Event
from wall.net import is_loopback
from wall.poster import SIZES, ChromiumMissing, poster_logo, write_poster
from wall.store.client import Client
from wall.store.events import get_event


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "poster", help="the room's printable poster (A4 PDF by default; .html for HTML)",
        description="Title, QR code to the audience page, short URL, SMS number and keyword, "
                    "hashtags, the charter's first lines and how to take part, in the event's "
                    "languages. The PDF needs Chromium (CLAMEUR_CHROMIUM, default "
                    "/usr/bin/chromium); an .html output does not.")
    p.add_argument("slug")
    p.add_argument("--output", help="file to write: .pdf (default <slug>-poster.pdf) or "
                                    ".html")
    p.add_argument("--size", choices=list(SIZES), default="a4", help="paper size (default a4)")
    p.add_argument("--base", help="base URL phones reach (default CLAMEUR_PUBLIC_URL, else "
                                  "this machine's room address and PORT)")
    p.set_defaults(handler=cmd_poster)


def poster_base(args: argparse.Namespace, settings: Settings) -> str:
    if args.base:
        return str(args.base).rstrip("/")
    return public_base(settings, EVERY_INTERFACE, int(settings.port))


def cmd_poster(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> tuple[Event | None, str]:
        event = await get_event(redis, args.slug)
        return event, await poster_logo(redis, event) if event else ""

    event, logo = with_redis(settings, work)
    if event is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    base = poster_base(args, settings)
    host = base.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if is_loopback(host):
        print(f"warning: {base} is this computer's own address: phones cannot reach it "
              "(set CLAMEUR_PUBLIC_URL or --base)", file=sys.stderr)
    output = Path(args.output or f"{args.slug}-poster.pdf")
    try:
        write_poster(event, base, output, args.size, logo=logo)
    except ChromiumMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"{output} ({args.size.upper()}, {base}/e/{event.slug})")
    return 0
