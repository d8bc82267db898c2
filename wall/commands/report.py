"""`clameur report SLUG --output report.html`: the event report as one self-contained file;
`clameur report SLUG --link`: a one-time link that opens the served report in a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

from wall.commands._run import with_redis
from wall.config import Settings
from wall.i18n import LANGUAGES, from_locale
from wall.reporting.page import render_report
from wall.reporting.stats import Report, build
from wall.store.client import Client
from wall.store.events import get_event
from wall.store.reportlinks import LINK_SECONDS, OPERATOR, create_link
from wall.timezones import UNKNOWN_ZONE, valid_timezone


def _zone(value: str) -> str:
    if not valid_timezone(value):
        raise argparse.ArgumentTypeError(UNKNOWN_ZONE.format(value=value))
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="write the event report (HTML, printable to PDF)")
    p.add_argument("slug")
    p.add_argument("--output", help="file to write (default: <slug>-report.html; - for "
                                    "standard output)")
    p.add_argument("--lang", choices=LANGUAGES, help="language of the report")
    p.add_argument("--tz", type=_zone,
                   help="time zone of the times shown, an IANA name such as America/Montreal "
                        "(default: the event's, see `clameur event update --timezone`)")
    p.add_argument("--link", action="store_true",
                   help="print a one-time link (valid 5 minutes) that opens the report "
                        "served by the running server in a browser, instead of a file")
    p.set_defaults(handler=cmd_report)


def server_base(settings: Settings) -> str:
    """Where a browser on this machine reaches the server: CLAMEUR_PUBLIC_URL, else the
    listen address (loopback when it listens on every interface)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> str | None:
        if await get_event(redis, args.slug) is None:
            return None
        return await create_link(redis, args.slug, OPERATOR)

    code = with_redis(settings, work)
    if code is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    query = urlencode([(k, v) for k, v in (("lang", args.lang), ("tz", args.tz)) if v])
    print(f"{server_base(settings)}/e/{args.slug}/report/open/{code}"
          + (f"?{query}" if query else ""))
    print(f"(opens once, within {LINK_SECONDS // 60} minutes)", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    if args.link:
        return cmd_link(args, settings)
    async def work(redis: Client) -> Report | None:
        event = await get_event(redis, args.slug)
        return await build(redis, event) if event else None

    report = with_redis(settings, work)
    if report is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    html = render_report(report, from_locale(args.lang or settings.lang or None), args.tz,
                         standalone=True)
    if args.output == "-":
        sys.stdout.write(html)
        return 0
    path = Path(args.output or f"{args.slug}-report.html")
    path.write_text(html, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0
