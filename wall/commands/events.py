"""`clameur event create|list|show|update|open|close|delete`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wall.commands._run import with_redis
from wall.config import Settings
from wall.eventsettings import check_settings
from wall.i18n import LANGUAGES
from wall.models import HASHTAG_SOURCES, SOCIAL_MODERATION, Event
from wall.moderation.charter import clean_charter
from wall.store.client import Client
from wall.store.events import (
    EventError,
    create_event,
    delete_event,
    get_event,
    list_events,
    update_event,
)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _frames(value: str) -> str:
    """CSP frame-ancestors sources, checked as the desk's settings screen checks them."""
    changes, problems = check_settings({"frame_ancestors": value})
    if problems:
        raise argparse.ArgumentTypeError(problems[0][1].format(**problems[0][2]))
    return str(changes["frame_ancestors"])


def _timezone(value: str) -> str:
    """An IANA zone name, checked as the desk's settings screen checks it."""
    changes, problems = check_settings({"timezone": value.strip()})
    if problems:
        raise argparse.ArgumentTypeError(problems[0][1].format(**problems[0][2]))
    return str(changes["timezone"])


def _sources(value: str) -> list[str]:
    chosen = _csv(value)
    unknown = [s for s in chosen if s not in HASHTAG_SOURCES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown source {unknown[0]!r}: choose among "
                                         f"{', '.join(HASHTAG_SOURCES)}")
    return chosen


def _add_settings(p: argparse.ArgumentParser, creating: bool) -> None:
    p.add_argument("--title", required=creating, help="title shown on the wall")
    p.add_argument("--hashtags", type=_csv, help="comma-separated hashtags, without #")
    p.add_argument("--mode", choices=["pre", "post"], help="pre-moderation (default) or post")
    p.add_argument("--status", choices=["draft", "open", "closed"])
    p.add_argument("--languages", type=_csv, help="e.g. fr,en")
    p.add_argument("--reactions", type=_csv, help="reaction kinds, e.g. clap,heart,laugh")
    p.add_argument("--sms-number", help="SMS number shown on the wall")
    p.add_argument("--sms-keyword", help="keyword that routes a shared number's SMS here")
    p.add_argument("--question-keyword", help="first word that makes an SMS a question "
                   "(an SMS starting with ? always is one)")
    p.add_argument("--mastodon-instances", type=_csv, help="e.g. mastodon.social,piaille.fr")
    p.add_argument("--sources", type=_sources, help="hashtag sources `clameur ingest` follows, "
                   "among x,mastodon,bluesky (default: all three)")
    p.add_argument("--theme", type=json.loads, help='JSON, e.g. {"dark": "1", "accent": "#e63"}; '
                   "refused when a text colour would contrast below WCAG AA (4.5:1)")
    p.add_argument("--motion", choices=["full", "reduced"],
                   help="reduced: no bursts or animations on the wall and phones, for everyone")
    p.add_argument("--links", choices=["allow", "remove", "block"],
                   help="links in messages: allowed, replaced by a mark, or rejected")
    p.add_argument("--frame-ancestors", type=_frames,
                   help="sites that may show this event's wall in a frame (an overlay): "
                        "'self', 'none' or https://host, space-separated; '' gives back "
                        "the server's CLAMEUR_FRAME_ANCESTORS")
    p.add_argument("--timezone", type=_timezone,
                   help="the event's time zone, an IANA name: the report and the desk show "
                        "times in it (default: Europe/Paris), e.g. America/Montreal")
    p.add_argument("--blocklist", choices=["on", "off"], help="the FR+EN word list")
    p.add_argument("--wordlist", choices=["hold", "reject"],
                   help="what a word-list match does: hold the message for a moderator, "
                        "showing the word (default), or reject the reviewed insults and the "
                        "event's own words (other matches are still held)")
    p.add_argument("--blocked-words", type=_csv, help="words added to the word list")
    p.add_argument("--allowed-words", type=_csv, help="words taken out of the word list")
    p.add_argument("--social-post-moderation", choices=SOCIAL_MODERATION,
                   help="hashtag posts: approve (default: each waits for a moderator, even "
                        "in post-moderation) or follow_mode (like the room's own posts)")
    p.add_argument("--charter-file", metavar="FILE",
                   help="the moderation charter in your words (plain text, UTF-8; '-' reads "
                        "standard input; an empty file restores the default charter)")
    p.add_argument("--charter-lang", choices=LANGUAGES,
                   help="language of --charter-file (default: the event's first language)")


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    names = ("title", "hashtags", "mode", "status", "languages", "reactions", "sms_number",
             "sms_keyword", "question_keyword", "mastodon_instances", "sources", "theme",
             "motion", "links",
             "blocklist", "wordlist", "blocked_words", "allowed_words",
             "social_post_moderation", "frame_ancestors", "timezone")
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def _charter(args: argparse.Namespace, current: dict[str, str], languages: list[str]
             ) -> dict[str, str] | None:
    """The event's charters with --charter-file applied (None when not given)."""
    if not getattr(args, "charter_file", None):
        return None
    path = args.charter_file
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    lang = args.charter_lang or next((g[:2] for g in languages if g[:2] in LANGUAGES), "fr")
    charter = {k: v for k, v in current.items() if k != lang}
    cleaned = clean_charter(text)  # ValueError: too long, control characters
    if cleaned:
        charter[lang] = cleaned
    return charter


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    event = sub.add_parser("event", help="manage events")
    ev_sub = event.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    create = ev_sub.add_parser("create", help="create an event")
    create.add_argument("slug")
    _add_settings(create, creating=True)
    create.set_defaults(handler=cmd_create)
    ev_sub.add_parser("list", help="list events").set_defaults(handler=cmd_list)
    show = ev_sub.add_parser("show", help="show an event's settings")
    show.add_argument("slug")
    show.set_defaults(handler=cmd_show)
    update = ev_sub.add_parser("update", help="change an event's settings")
    update.add_argument("slug")
    _add_settings(update, creating=False)
    update.set_defaults(handler=cmd_update)
    for name, status in (("open", "open"), ("close", "closed")):
        p = ev_sub.add_parser(name, help=f"mark the event {status}")
        p.add_argument("slug")
        p.set_defaults(handler=cmd_status, new_status=status)
    delete = ev_sub.add_parser("delete", help="remove every key of an event")
    delete.add_argument("slug")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=cmd_delete)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    event = Event(slug=args.slug, **_changes(args))
    try:
        charter = _charter(args, {}, event.languages)
    except (OSError, ValueError) as exc:
        return _fail(f"--charter-file: {exc}")
    if charter is not None:
        event.charter = charter

    async def work(redis: Client) -> Event:
        return await create_event(redis, event)

    try:
        with_redis(settings, work)
    except EventError as exc:
        return _fail(str(exc))
    print(f"created event {event.slug}: {event.title}")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    events = with_redis(settings, list_events)
    for e in events:
        print(f"{e.slug:<24} {e.status:<7} {e.mode:<5} {e.title}")
    if not events:
        print("no events yet: clameur event create SLUG --title ...")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> Event | None:
        return await get_event(redis, args.slug)

    event = with_redis(settings, work)
    if event is None:
        return _fail(f"no event {args.slug!r}")
    print(json.dumps(event.public(), indent=2, ensure_ascii=False))
    return 0


def _update(settings: Settings, slug: str, changes: dict[str, Any]) -> int:
    async def work(redis: Client) -> Event:
        return await update_event(redis, slug, changes)

    try:
        event = with_redis(settings, work)
    except EventError as exc:
        return _fail(str(exc))
    shown = {k: (",".join(sorted(v)) or "default") if k == "charter" else v
             for k, v in changes.items()}
    print(f"updated {event.slug}: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    changes = _changes(args)
    if getattr(args, "charter_file", None):
        async def current(redis: Client) -> Event | None:
            return await get_event(redis, args.slug)

        event = with_redis(settings, current)
        if event is None:
            return _fail(f"no event {args.slug!r}")
        try:
            changes["charter"] = _charter(args, event.charter, event.languages)
        except (OSError, ValueError) as exc:
            return _fail(f"--charter-file: {exc}")
    return _update(settings, args.slug, changes)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    return _update(settings, args.slug, {"status": args.new_status})


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes and input(f"delete every item of {args.slug}? [y/N] ").lower() != "y":
        return 1

    async def work(redis: Client) -> None:
        await delete_event(redis, args.slug)

    with_redis(settings, work)
    print(f"deleted {args.slug}")
    return 0
