"""`clameur ingest`: run the hashtag connectors (X, Mastodon, Bluesky) of every open event."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from wall.config import Settings
from wall.embedded import redis_for
from wall.redis_client import connect
from wall.sources.registry import connectors
from wall.sources.settings import SourceSettings
from wall.sources.supervisor import Backoff, Supervisor

EPILOG = ("Source settings (environment variables, or the [sources] table of clameur.toml):\n"
          + "\n".join(
    f"  {env:<30} {help} (default: {default or 'unset'})"
    for env, default, help in SourceSettings.documented()))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ingest", help="follow the events' hashtags on X, Mastodon and Bluesky",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--event", action="append", metavar="SLUG",
                   help="only this event (repeat for several; default: every open event)")
    p.add_argument("--verbose", action="store_true", help="log every connector's detail")
    p.set_defaults(handler=cmd_ingest)


async def ingest(url: str, settings: Settings, sources: SourceSettings,
                 only: set[str] | None) -> None:
    first, longest = sources.backoff_range()
    redis = connect(url, cluster=settings.redis_cluster == "1")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with connectors(redis, sources) as registry:
            supervisor = Supervisor(redis, registry.plan, Backoff(first, longest),
                                    refresh=sources.seconds("refresh_seconds"), only=only)
            logging.getLogger("clameur.ingest").info("ingest running")
            await supervisor.run(stop)
    finally:
        await redis.aclose()


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with redis_for(settings) as url:
        asyncio.run(ingest(url, settings, SourceSettings.load(getattr(args, "config", None)),
                           set(args.event) if args.event else None))
    return 0
