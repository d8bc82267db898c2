"""`clameur rehearse SLUG`: a simulated room against a running server, and its report.

The rehearsal plays in a copy of the event (`wall/rehearsal/naming.py`), prepared in the
Redis this command reaches — REDIS_URL, or the embedded Redis that `clameur up`/`serve`
runs for the data directory (`wall/embedded.py` finds it) — and drives the
server at `--against` (default: CLAMEUR_SERVER, else http://127.0.0.1:PORT, where
`clameur up` and `clameur serve` listen) over HTTP and WebSockets only. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from wall.config import Settings
from wall.embedded import redis_for
from wall.i18n import LANGUAGES, from_locale
from wall.redis_client import connect
from wall.store.client import Client


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rehearse", help="a simulated room (phones, SMS, a moderator) against a server",
        description="Rehearse an event before the doors open: simulated phones open the "
                    "audience page, tap and post; SMS arrive through the webhooks; a "
                    "moderator may approve. Played in a copy of the event (SLUG-rehearsal), "
                    "never in the event itself. Exit status 1 on any server error, lost "
                    "tap or lost post. See docs/capacity.md.")
    p.add_argument("slug")
    p.add_argument("--against", default=os.environ.get("CLAMEUR_SERVER", ""), metavar="URL",
                   help="the server, on this machine (CLAMEUR_SERVER; default "
                        "http://127.0.0.1:PORT)")
    p.add_argument("--phones", type=int, default=200, help="simulated phones (default 200)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--ramp", type=float, help="seconds over which phones arrive "
                                              "(default: a quarter of the run, at most 10)")
    p.add_argument("--nat", action="store_true",
                   help="every phone behind one source address, as on a venue's Wi-Fi")
    p.add_argument("--posts-per-minute", type=float, default=0.25, metavar="N",
                   help="posts per phone and minute (default 0.25)")
    p.add_argument("--taps-per-minute", type=float, default=3.0, metavar="N",
                   help="taps per phone and minute between applause moments (default 3)")
    p.add_argument("--sms", type=int, metavar="N",
                   help="simulated SMS senders (default: one per 20 phones when the event "
                        "has an SMS number and TWILIO_AUTH_TOKEN or VONAGE_SIGNATURE_SECRET "
                        "is set; 0: none)")
    p.add_argument("--sms-per-minute", type=float, default=0.5, metavar="N",
                   help="SMS per sender and minute (default 0.5; at most 6, the per-phone "
                        "limit)")
    p.add_argument("--moderate", type=float, default=0.0, metavar="RATE",
                   help="a simulated moderator approving what arrives, RATE a second")
    p.add_argument("--walls", type=int, default=1, help="simulated walls (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--lang", choices=LANGUAGES, help="language of the report")
    p.add_argument("--clean", action="store_true",
                   help="remove the event's rehearsal copy and everything in it, then stop")
    p.set_defaults(handler=cmd_rehearse)


def loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(args: argparse.Namespace, settings: Settings, against: str) -> str | None:
    """Why the options cannot run, or None."""
    from wall.rehearsal.plan import MAX_DURATION, MAX_PHONES, MAX_SMS_SENDERS

    if not against.startswith("http://") or not loopback(against):
        return (f"--against must be an http:// URL on this machine (loopback), not "
                f"{against!r}: run the rehearsal on the server's machine")
    if not 1 <= args.phones <= MAX_PHONES:
        return f"--phones must be between 1 and {MAX_PHONES}"
    if not 5 <= args.duration <= MAX_DURATION:
        return f"--duration must be between 5 and {MAX_DURATION:.0f} seconds"
    if args.sms is not None and not 0 <= args.sms <= MAX_SMS_SENDERS:
        return f"--sms must be between 0 and {MAX_SMS_SENDERS}"
    if args.moderate < 0 or args.walls < 1 or args.walls > 50:
        return "--moderate must be positive and --walls between 1 and 50"
    return None


def cmd_rehearse(args: argparse.Namespace, settings: Settings) -> int:
    against = (args.against or f"http://127.0.0.1:{settings.port}").rstrip("/")
    problem = None if args.clean else _check(args, settings, against)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    with redis_for(settings) as url:
        return _run(_main(args, settings, against, url))


def _run(coro: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(coro)
    return uvloop.run(coro)


async def _main(args: argparse.Namespace, settings: Settings, against: str, url: str) -> int:
    from wall.rehearsal import stage

    redis = connect(url, cluster=settings.redis_cluster == "1")
    try:
        if args.clean:
            removed = await stage.clean(redis, args.slug)
            print(f"removed the rehearsal of {args.slug}" if removed
                  else f"no rehearsal of {args.slug} to remove", file=sys.stderr)
            return 0
        try:
            original, copy, token = await stage.prepare(redis, args.slug)
        except stage.StageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        reachable = await _reachable(against, copy.slug)
        if reachable:
            print(f"error: {reachable}", file=sys.stderr)
            return 2
        return await _rehearse(args, settings, against, redis, original, copy, token)
    finally:
        await redis.aclose()


async def _reachable(against: str, copy_slug: str) -> str | None:
    """Why the server cannot be rehearsed against, or None."""
    try:
        async with httpx.AsyncClient(base_url=against, timeout=10) as client:
            if (await client.get("/healthz")).status_code != 200:
                return f"the server at {against} is not healthy (/healthz)"
            if (await client.get(f"/e/{copy_slug}")).status_code != 200:
                return (f"the server at {against} does not know {copy_slug}: it uses "
                        f"another Redis than this command (set REDIS_URL to the server's)")
    except httpx.HTTPError as exc:
        return f"no server at {against} ({type(exc).__name__})"
    return None


async def _rehearse(args: argparse.Namespace, settings: Settings, against: str,
                    redis: Client, original: Any, copy: Any, token: str) -> int:
    from wall.rehearsal import report, room
    from wall.rehearsal.plan import Plan
    from wall.rehearsal.progress import LiveView

    twilio = os.environ.get("TWILIO_AUTH_TOKEN", "")
    vonage = os.environ.get("VONAGE_SIGNATURE_SECRET", "")
    senders = args.sms if args.sms is not None else (
        max(1, args.phones // 20) if original.sms_number and (twilio or vonage) else 0)
    if senders and not (twilio or vonage):
        print("error: --sms needs TWILIO_AUTH_TOKEN or VONAGE_SIGNATURE_SECRET (the "
              "server's) in the environment", file=sys.stderr)
        return 2
    plan = Plan(slug=copy.slug, base=against, phones=args.phones, duration=args.duration,
                ramp=args.ramp if args.ramp is not None else min(10.0, args.duration / 4),
                nat=args.nat or urlsplit(against).hostname not in ("127.0.0.1", "localhost"),
                posts_per_minute=args.posts_per_minute,
                taps_per_minute=args.taps_per_minute, sms_senders=senders,
                sms_per_minute=min(args.sms_per_minute, 6.0), twilio_token=twilio,
                vonage_secret=vonage,
                signed_base=(settings.public_url or against).rstrip("/"),
                moderate_rate=args.moderate, moderator_token=token, walls=args.walls,
                seed=args.seed, kinds=tuple(copy.reactions))
    lang = from_locale(args.lang or settings.lang or None)
    shell = report.Report(slug=original.slug, rehearsal=copy.slug, against=against,
                          phones=plan.phones, nat=plan.nat, duration=plan.duration)
    with LiveView(plan.phones, plan.duration, lang, sys.stderr.isatty()) as view:
        result = await room.run(plan, redis, shell, copy.blocklist == "on", view)
    print(report.render(result, lang))
    if args.json:
        Path(args.json).write_text(result.to_json() + "\n", encoding="utf-8")
    return 0 if result.ok else 1
