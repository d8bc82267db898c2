"""`clameur moderate`: the Textual moderation desk against any Clameur server, in this
terminal or, with `--web`, served to browsers (wall/webdesk.py)."""

from __future__ import annotations

import argparse
import os
import sys

from wall.config import Settings
from wall.processes import WEB_SESSION_ENV, die_with_parent


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mod = sub.add_parser(
        "moderate", help="the moderator UI (Textual), talking to a server over HTTP",
        description="The moderation desk. Keys: a approve, r reject, p pin, h highlight, "
                    "t take down, b ban, T trust, u undo, space select, / filter, "
                    "m pre/post mode, ? help. See docs/moderation.md.")
    mod.add_argument("--server", default=os.environ.get("CLAMEUR_SERVER", ""),
                     help="base URL of the server, http:// or https:// "
                          "(CLAMEUR_SERVER; default http://127.0.0.1:PORT)")
    mod.add_argument("--token", default=os.environ.get("CLAMEUR_TOKEN", ""),
                     help="moderator or admin token (CLAMEUR_TOKEN)")
    mod.add_argument("--event", default="", help="event slug (default: the token's event)")
    mod.add_argument("--lang", choices=["fr", "en"], help="language (default: from the locale)")
    mod.add_argument("--insecure", action="store_true",
                     help="accept a self-signed TLS certificate (https only)")
    mod.add_argument("--web", action="store_true",
                     help="serve the desk to browsers (tablets, laptops): each volunteer "
                          "signs in with their own token; see docs/moderation.md")
    mod.add_argument("--host", default="127.0.0.1",
                     help="with --web: listen address (default 127.0.0.1; 0.0.0.0 for "
                          "the room, behind HTTPS)")
    mod.add_argument("--port", type=int, default=8001,
                     help="with --web: listen port (default 8001)")
    mod.set_defaults(handler=cmd_moderate)


def cmd_moderate(args: argparse.Namespace, settings: Settings) -> int:
    if args.web:
        return _web(args, settings)
    if not args.token:
        print("error: --token (or CLAMEUR_TOKEN) is required", file=sys.stderr)
        return 2
    event = args.event or args.token.partition(".")[0]
    server = args.server or f"http://127.0.0.1:{settings.port}"
    if not server.startswith(("http://", "https://")):
        print("error: --server must start with http:// or https://", file=sys.stderr)
        return 2
    if os.environ.pop(WEB_SESSION_ENV, ""):  # a browser session's desk (wall/webdesk.py)
        die_with_parent()
        if os.getppid() == 1:  # the web desk died before this line
            return 0
    from moderator_tui.main import run

    return run(server=server, token=args.token, event=event, lang=args.lang or settings.lang
               or None, insecure=args.insecure)


def _web(args: argparse.Namespace, settings: Settings) -> int:
    """The desk for browsers: no token here, each volunteer types their own."""
    server = (args.server or f"http://127.0.0.1:{settings.port}").rstrip("/")
    if not server.startswith(("http://", "https://")):
        print("error: --server must start with http:// or https://", file=sys.stderr)
        return 2
    from wall.webdesk import serve

    return serve(server=server, event=args.event, lang=args.lang or settings.lang or "fr",
                 insecure=args.insecure, host=args.host, port=args.port)
