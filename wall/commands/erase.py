"""`clameur erase SLUG --author KEY_OR_NAME` and `clameur erase SLUG --expired`."""

from __future__ import annotations

import argparse
import sys

from wall.commands._run import with_redis
from wall.config import Settings
from wall.store.client import Client
from wall.store.erasure import Erasure, Retention, apply_retention, erase_author, find_author
from wall.store.events import get_event


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("erase", help="erase one author's data, or apply the retention period")
    p.add_argument("slug")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--author", help="author key (e.g. sms:3fa2...) or name shown on the wall")
    what.add_argument("--expired", action="store_true",
                      help="trim raw inbox entries and rejected texts older than the retention "
                           "(CLAMEUR_INBOX_RETENTION_DAYS, or --days)")
    p.add_argument("--days", type=float, help="retention in days, for --expired")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_erase)


def cmd_erase(args: argparse.Namespace, settings: Settings) -> int:
    if args.expired:
        return _retention(args, settings)
    if not args.author.strip():
        print("error: --author must name someone", file=sys.stderr)
        return 2

    async def preview(redis: Client) -> Erasure | None:
        if await get_event(redis, args.slug) is None:
            return None
        return await find_author(redis, args.slug, args.author)

    found = with_redis(settings, preview)
    if found is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    if not found.item_ids and not found.author_keys:
        print(f"nothing found for {args.author!r} in {args.slug}")
        return 1
    print(f"{len(found.item_ids)} item(s) from {len(found.author_keys)} author key(s) "
          f"will be taken down and forgotten.")
    if not args.yes and input("erase them? [y/N] ").strip().lower() != "y":
        return 1

    async def work(redis: Client) -> Erasure:
        return await erase_author(redis, args.slug, args.author)

    done = with_redis(settings, work)
    print(f"erased {len(done.item_ids)} item(s) ({done.retracted} taken off the wall), "
          f"{done.removed} stored entries removed")
    return 0


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else float(settings.inbox_retention_days)

    async def work(redis: Client) -> Retention:
        return await apply_retention(redis, args.slug, days)

    done = with_redis(settings, work)
    print(f"{args.slug}: {done.inbox_trimmed} inbox entries older than {days:g} days trimmed, "
          f"{done.rejected_forgotten} rejected texts forgotten")
    return 0
