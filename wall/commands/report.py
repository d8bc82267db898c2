"""`clameur report SLUG --output report.html`: the event report as one self-contained file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wall.commands._run import with_redis
from wall.config import Settings
from wall.i18n import LANGUAGES, from_locale
from wall.reporting.page import render_report
from wall.reporting.stats import Report, build
from wall.store.client import Client
from wall.store.events import get_event


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="write the event report (HTML, printable to PDF)")
    p.add_argument("slug")
    p.add_argument("--output", help="file to write (default: <slug>-report.html; - for "
                                    "standard output)")
    p.add_argument("--lang", choices=LANGUAGES, help="language of the report")
    p.add_argument("--tz", default="UTC", help="time zone of the times shown, e.g. "
                                               "Europe/Paris (default: UTC)")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
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
