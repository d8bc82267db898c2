"""`clameur up`: laptop mode — embedded Redis, web server, connectors and the desk together.

It serves the room: it listens on every interface unless told otherwise (`--host`,
`CLAMEUR_HOST`), and shows the machine's room address (`wall/net.py`) everywhere a person
reads the way in: the wall's QR code and short URL, the printed URLs, a QR code in this
terminal before the desk opens, and the desk's header. Quitting the desk asks first: it
stops the wall for everyone.

On its first start it asks, in the terminal, the title and languages of the first event
(Enter keeps the defaults; a stdin that is not a terminal takes them without asking) and
remembers that event in `<data dir>/event`; `--demo` serves the ready demo event instead,
asking nothing. A data directory whose demo event predates the questions keeps its demo.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import httpx

from wall.commands._run import with_redis
from wall.commands.server import _exit_on_sigterm
from wall.config import Settings
from wall.embedded import redis_for
from wall.i18n import LANGUAGES, from_locale, gettext
from wall.keyfile import secret_path
from wall.models import Event, valid_slug
from wall.net import is_loopback, room_address
from wall.private import write_private
from wall.processes import die_with_parent, stop_process
from wall.qr import qr_terminal
from wall.store.client import Client
from wall.store.events import create_event, get_event
from wall.store.tokens import create_token, verify_token

DEMO_SLUG = "demo"
TOKEN_FILE = "moderator.token"
EVENT_FILE = "event"  # the slug of the event `clameur up` serves (chosen on first start)
DEFAULT_TITLE = "Débat public"
DEFAULT_LANGUAGES = ("fr", "en")
EVERY_INTERFACE = "0.0.0.0"
WILDCARDS = ("0.0.0.0", "::", "")
QR_GAP = 2
MIN_COLUMN = 40  # narrower than this, the text goes under the QR code instead of beside it


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = sub.add_parser(
        "up", help="laptop mode: Redis, web server and moderator UI together",
        description="Serves the room: listens on every interface (0.0.0.0) so phones on the "
                    "same network can join; the QR code shows this machine's address on the "
                    "network of its default route. --host 127.0.0.1 keeps it on this "
                    "computer; CLAMEUR_PUBLIC_URL sets the address shown.")
    up.add_argument("--host", help="listen address (CLAMEUR_HOST; default 0.0.0.0, every "
                                   "interface; 127.0.0.1: this computer only)")
    up.add_argument("--port", type=int, help="listen port (PORT, default 8000)")
    up.add_argument("--lang", choices=list(LANGUAGES),
                    help="language of this terminal and the moderator UI")
    up.add_argument("--no-tui", action="store_true", help="serve only, no moderator UI")
    up.add_argument("--demo", action="store_true", help="serve the ready demo event, asking "
                                                        "nothing (else the first start asks "
                                                        "the event's title and languages)")
    up.add_argument("--workers", metavar="N|auto", help="server processes on the port, as "
                                                        "clameur serve --workers (default 1)")
    up.set_defaults(handler=cmd_up)


def listen_host(args: argparse.Namespace, settings: Settings) -> str:
    """--host, else CLAMEUR_HOST when it is set, else every interface: the room must reach
    us (`clameur serve` keeps its local default; it runs behind a proxy)."""
    if args.host:
        return str(args.host)
    default = Settings().host
    if "CLAMEUR_HOST" in os.environ or settings.host != default:
        return settings.host
    return EVERY_INTERFACE


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def public_base(settings: Settings, host: str, port: int) -> str:
    """The base URL to show and to put in QR codes: CLAMEUR_PUBLIC_URL, else the room
    address when listening on every interface (loopback only when there is no network),
    else the listen address."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    shown = (room_address() or "127.0.0.1") if host in WILDCARDS else host
    return f"http://{_url_host(shown)}:{port}"


def local_base(host: str, port: int) -> str:
    """Where this machine reaches its own server (health checks, the desk)."""
    if host in ("0.0.0.0", ""):
        return f"http://127.0.0.1:{port}"
    if host == "::":
        return f"http://[::1]:{port}"
    return f"http://{_url_host(host)}:{port}"


def slug_for(title: str) -> str:
    """A slug from a title: "Conseil de quartier — Belleville" → conseil-de-quartier-belleville."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    slug = "-".join(words)[:40].strip("-")
    return slug if valid_slug(slug) else "event"


def _ask(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except EOFError:  # Ctrl+D: the default
        print(flush=True)
        return ""


def ask_first_event(lang: str, interactive: bool) -> Event:
    """The first event's title and languages, asked in the terminal (Enter: the default);
    the defaults without asking when stdin is not a terminal."""
    title, languages = DEFAULT_TITLE, list(DEFAULT_LANGUAGES)
    if interactive:
        print(gettext(lang, "First start: a few words about your event (Enter keeps the "
                            "value in brackets)."), flush=True)
        answer = _ask(gettext(lang, "Title of the event [{default}]: ")
                      .format(default=DEFAULT_TITLE))
        title = answer[:120] or DEFAULT_TITLE
        while True:
            answer = _ask(gettext(lang, "Languages, first one on the wall (fr, en) "
                                        "[{default}]: ").format(
                default=",".join(DEFAULT_LANGUAGES))).lower()
            chosen = [x.strip() for x in answer.replace(" ", ",").split(",") if x.strip()]
            if not chosen:
                break
            if all(x in LANGUAGES for x in chosen):
                languages = list(dict.fromkeys(chosen))
                break
            print(gettext(lang, "Please answer fr, en, or both (fr,en)."), flush=True)
    # The first event follows no hashtag source until the organiser names some.
    return Event(slug=slug_for(title), title=title, languages=languages, sources=[])


async def _ensure_event(redis: Client, data_dir: Path, demo: bool,
                        first: Event | None) -> tuple[str, str, bool]:
    """(slug, the laptop's admin token, whether the token is new): the demo with --demo,
    else the event chosen on first start (`first`, created now), else the one remembered."""
    event_path = data_dir / EVENT_FILE
    token_path = data_dir / TOKEN_FILE
    remembered = event_path.read_text().strip() if event_path.is_file() else ""
    if demo:
        slug = DEMO_SLUG
        if await get_event(redis, DEMO_SLUG) is None:
            # The demo follows no hashtag source: only the audience page and SMS feed it.
            await create_event(redis, Event(slug=DEMO_SLUG, title="Clameur — démo",
                                            hashtags=["clameur"], sources=[]))
    elif remembered and await get_event(redis, remembered) is not None:
        slug = remembered
    elif first is None:
        slug = DEMO_SLUG  # a data directory from before the questions: its demo stays
    else:
        slug = first.slug
        while await get_event(redis, slug) is not None:
            slug = f"{first.slug[:34]}-{os.urandom(2).hex()}"
        first.slug = slug
        await create_event(redis, first)
    if not demo:
        write_private(event_path, slug + "\n")
    if token_path.is_file():
        token = token_path.read_text().strip()
        info = await verify_token(redis, token)
        if info is not None and info.slug == slug:
            return slug, token, False
    token, _ = await create_token(redis, slug, "admin", label="laptop")
    write_private(token_path, token + "\n")  # 0600 from its creation
    return slug, token, True


async def _needs_first_event(redis: Client, data_dir: Path) -> bool:
    """Nothing chosen yet: no remembered event, and no demo from an earlier version."""
    event_path = data_dir / EVENT_FILE
    if event_path.is_file() and await get_event(redis, event_path.read_text().strip()):
        return False
    return await get_event(redis, DEMO_SLUG) is None


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the web server exited during start-up")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the web server did not answer at {base} in {timeout}s")


def _start_children(host: str, port: int, url: str, public: str, log_dir: Path | None,
                    workers: str | None = None) -> list[subprocess.Popen[bytes]]:
    """The web server and the source connectors; their logs go to `log_dir` when the
    terminal belongs to the moderator UI."""
    env = {**os.environ, "REDIS_URL": url, "CLAMEUR_PUBLIC_URL": public}
    serve = ["serve", "--host", host, "--port", str(port)]
    commands = {"server": serve + (["--workers", workers] if workers else []),
                "ingest": ["ingest"]}
    children = []
    for name, command in commands.items():
        out = (log_dir / f"{name}.log").open("ab") if log_dir else None
        children.append(subprocess.Popen([sys.executable, "-m", "wall", *command], env=env,
                                         stdout=out, stderr=subprocess.STDOUT if out else None,
                                         preexec_fn=die_with_parent))
        if out:
            out.close()
    return children


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        stop_process(child)


def banner_lines(lang: str, base: str, host: str, token: str, fresh: bool,
                 token_path: Path, slug: str = DEMO_SLUG) -> list[str]:
    """What `clameur up` says once the wall answers (without the QR code)."""
    def _(message: str) -> str:
        return gettext(lang, message)

    lines = [_("Clameur is up."), "",
             _("Phones join here (the QR code):"), f"  {base}/e/{slug}", "",
             _("The wall, for the projector:"), f"  {base}/wall/{slug}", "",
             (_("Moderator token (new):") if fresh else _("Moderator token:")), f"  {token}",
             "  " + _("(kept in {path})").format(path=token_path), ""]
    shown = base.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if is_loopback(shown):
        if host in WILDCARDS:
            lines.append(_("No network found: phones cannot join until this computer is on "
                           "the room's network (then start again)."))
        else:
            lines.append(_("Listening on {host}: only this computer can open these pages.")
                         .format(host=host))
    elif host in WILDCARDS:
        lines.append(_("Listening on every interface. Local only: clameur up --host "
                       "127.0.0.1"))
    else:
        lines.append(_("Listening on {host}.").format(host=host))
    return lines


def _unbreakable(line: str) -> bool:
    """An indented URL or token: cut, it could not be copied or typed."""
    return line.startswith("  ") and " " not in line.strip()


def compose_banner(lines: list[str], qr: list[str], qr_width: int, columns: int,
                   caption: str = "") -> str:
    """The text beside the terminal's QR code when the terminal is wide enough; else the
    text first and the QR code last, `caption` (the join URL) under it, so that the code
    stands whole above the prompt on a small screen (80×24). Lines other than URLs and the
    token are wrapped to the space left."""
    column = columns - qr_width - QR_GAP
    side = column >= MIN_COLUMN and all(len(line) <= column for line in lines
                                        if _unbreakable(line))
    width = column if side else max(columns, MIN_COLUMN)
    text: list[str] = []
    for line in lines:
        if _unbreakable(line) or len(line) <= width:
            text.append(line)
        else:
            indent = line[:len(line) - len(line.lstrip())]
            text.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent))
    if not side:
        return "\n".join([*text, "", *qr, *([caption] if caption else [])])
    rows = max(len(qr), len(text) + 1)
    blank = " " * qr_width
    merged = []
    for n in range(rows):
        left = qr[n] if n < len(qr) else blank
        right = text[n - 1] if 0 < n <= len(text) else ""
        merged.append(f"{left}{' ' * QR_GAP}{right}".rstrip())
    return "\n".join(merged)


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    host = listen_host(args, settings)
    port = args.port if args.port is not None else int(settings.port)
    lang = from_locale(args.lang or settings.lang or None)
    with_tui = not args.no_tui and sys.stdin.isatty()
    _exit_on_sigterm()
    with redis_for(settings) as url:
        # The children hold the same key as the CLI, whatever --data-dir said.
        os.environ.setdefault("CLAMEUR_SECRET_FILE", str(secret_path(settings)))
        local = Settings(**{**settings.__dict__, "redis_url": url})
        data_dir = Path(settings.data_dir)
        token_path = data_dir / TOKEN_FILE
        data_dir.mkdir(parents=True, exist_ok=True)

        async def needs(redis: Client) -> bool:
            return not args.demo and await _needs_first_event(redis, data_dir)

        first = ask_first_event(lang, sys.stdin.isatty()) if with_redis(local, needs) else None

        async def ensure(redis: Client) -> tuple[str, str, bool]:
            return await _ensure_event(redis, data_dir, args.demo, first)

        slug, token, fresh = with_redis(local, ensure)
        base = public_base(settings, host, port)
        here = local_base(host, port)
        children = _start_children(host, port, url, base, data_dir if with_tui else None,
                                   args.workers)
        try:
            _wait_healthy(here, children[0])
            lines = banner_lines(lang, base, host, token, fresh, token_path, slug)
            if sys.stdout.isatty():
                qr = qr_terminal(f"{base}/e/{slug}")
                width = len(qr_terminal(f"{base}/e/{slug}", colour=False)[0])
                print("\n" + compose_banner(lines, qr, width, shutil.get_terminal_size().columns,
                                            caption=f"  {base}/e/{slug}"), flush=True)
            else:
                print("\n" + "\n".join(lines), flush=True)
            if not with_tui:
                return children[0].wait()
            try:
                input(gettext(lang, "Press Enter to open the moderation desk (Ctrl+C stops "
                                    "everything).") + " ")
            except EOFError:
                pass
            code = _run_tui(here, token, lang, f"{base}/e/{slug}", data_dir, slug)
            print(gettext(lang, "Stopping: the wall, the phones' page, SMS and the sources "
                                "are off until clameur up runs again."), flush=True)
            return code
        except KeyboardInterrupt:
            return 0
        finally:
            _stop_children(children)


def _run_tui(server: str, token: str, lang: str, audience_url: str, data_dir: Path,
             slug: str = DEMO_SLUG) -> int:
    from moderator_tui.main import run

    return run(server=server, token=token, event=slug, lang=lang, insecure=False,
               audience_url=audience_url, stops_wall=True, spool_dir=str(data_dir))
