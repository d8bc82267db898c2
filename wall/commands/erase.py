"""`clameur erase SLUG --author KEY | --phone NUMBER` and `clameur erase SLUG --expired`.

Erasure selects by identity only: an author key, or a phone number hashed the way the SMS
webhooks hash it. A name shown on the wall is not an identity (two phones can share
"SMS ···42"): given one, the command lists the author keys shown under it and erases
nothing. After erasing, Redis rewrites its append-only file so nothing erased stays on disk.
"""

from __future__ import annotations

import argparse
import sys

from wall.commands._run import with_redis
from wall.config import Settings
from wall.identity import phone_digits, phone_key
from wall.keyfile import SecretError, process_secret
from wall.store.client import Client, StoreError
from wall.store.erasure import (
    Erasure,
    Retention,
    RewriteFailed,
    apply_retention,
    authors_named,
    erase_author,
    find_author,
    rewrite_aof,
)
from wall.store.events import get_event


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("erase", help="erase one author's data, or apply the retention period")
    p.add_argument("slug")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--author", help="author key as moderators see it (e.g. sms:3fa2..., "
                                       "web:..., mastodon:name@instance); a name shown on "
                                       "the wall only lists the keys shown under it")
    what.add_argument("--phone", help="a participant's phone number, international format "
                                      "(+33 6 12 34 56 78): erased by its keyed hash")
    what.add_argument("--expired", action="store_true",
                      help="trim raw inbox entries and rejected texts older than the retention "
                           "(CLAMEUR_INBOX_RETENTION_DAYS, or --days)")
    p.add_argument("--days", type=float, help="retention in days, for --expired")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_erase)


def _international(number: str) -> str | None:
    """The number's digits with the country code, or None for a national number (0…)."""
    cleaned = number.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    digits = phone_digits(cleaned)
    if not cleaned.startswith("+") and digits.startswith("0") or len(digits) < 6:
        return None
    return digits


def cmd_erase(args: argparse.Namespace, settings: Settings) -> int:
    if args.expired:
        return _retention(args, settings)
    if args.phone is not None:
        digits = _international(args.phone)
        if digits is None:
            print("error: give the number in international format, as the SMS provider "
                  "sends it (+33 6 12 34 56 78)", file=sys.stderr)
            return 2
        return _erase(args, settings, phone=digits)
    if not args.author.strip():
        print("error: --author must name someone", file=sys.stderr)
        return 2
    return _erase(args, settings, author=args.author.strip())


def _erase(args: argparse.Namespace, settings: Settings, author: str = "",
           phone: str = "") -> int:
    async def preview(redis: Client) -> tuple[Erasure, dict[str, int]] | str:
        if await get_event(redis, args.slug) is None:
            return f"no event {args.slug!r}"
        key = author
        if phone:
            try:
                key = phone_key(await process_secret(redis, settings, create=False), phone)
            except SecretError as exc:
                return str(exc)
        found = await find_author(redis, args.slug, key)
        named = await authors_named(redis, args.slug, author) if author else {}
        return found, named

    looked = with_redis(settings, preview)
    if isinstance(looked, str):
        print(f"error: {looked}", file=sys.stderr)
        return 2
    found, named = looked
    (key,) = found.author_keys
    if not found.item_ids and named:
        print(f"no author key {author!r} in {args.slug}; a name is not an identity. "
              f"Shown under that name:")
        for candidate, count in sorted(named.items()):
            print(f"  {candidate}  ({count} item(s))")
        print("erase one with --author KEY")
        return 1
    if not found.item_ids and ":" not in key:
        print(f"nothing found for {author or 'this number'!r} in {args.slug}")
        return 1
    shown = key if author else f"{key} (this number's key)"
    print(f"{len(found.item_ids)} item(s) of {shown} will be taken down and forgotten, "
          f"with every stored entry about them.")
    if not args.yes and input("erase them? [y/N] ").strip().lower() != "y":
        return 1

    async def work(redis: Client) -> tuple[Erasure, str]:
        done = await erase_author(redis, args.slug, key)
        return done, await _rewrite(redis)

    done, rewritten = with_redis(settings, work)
    print(f"erased {len(done.item_ids)} item(s) ({done.retracted} taken off the wall), "
          f"{done.removed} stored entries removed; {rewritten}")
    return 0


async def _rewrite(redis: Client) -> str:
    """Rewrite the append-only file; what to tell the operator."""
    try:
        nodes = await rewrite_aof(redis)
    except (RewriteFailed, *StoreError) as exc:
        return (f"WARNING: the append-only file was not rewritten ({exc}): erased data stays "
                f"on disk until `redis-cli BGREWRITEAOF` succeeds")
    if not nodes:
        return "Redis keeps no append-only file (check its snapshots and backups)"
    return "append-only file rewritten: nothing erased remains on disk"


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else float(settings.inbox_retention_days)

    async def work(redis: Client) -> tuple[Retention, str]:
        done = await apply_retention(redis, args.slug, days)
        return done, await _rewrite(redis)

    done, rewritten = with_redis(settings, work)
    print(f"{args.slug}: {done.inbox_trimmed} inbox entries older than {days:g} days trimmed, "
          f"{done.rejected_forgotten} rejected texts forgotten; {rewritten}")
    return 0
