"""`clameur up`: laptop mode — embedded Redis, web server, connectors and the desk together."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from wall.commands._run import with_redis
from wall.commands.server import _exit_on_sigterm
from wall.config import Settings
from wall.embedded import redis_for
from wall.keyfile import secret_path
from wall.models import Event
from wall.private import write_private
from wall.processes import die_with_parent, stop_process
from wall.store.client import Client
from wall.store.events import create_event, get_event
from wall.store.tokens import create_token, verify_token

DEMO_SLUG = "demo"
TOKEN_FILE = "moderator.token"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = sub.add_parser("up", help="laptop mode: Redis, web server and moderator UI together")
    up.add_argument("--host", help="listen address (default 127.0.0.1; 0.0.0.0 for the room)")
    up.add_argument("--port", type=int, help="listen port (PORT, default 8000)")
    up.add_argument("--lang", choices=["fr", "en"], help="language of the moderator UI")
    up.add_argument("--no-tui", action="store_true", help="serve only, no moderator UI")
    up.set_defaults(handler=cmd_up)


async def _ensure_demo(redis: Client, token_path: Path) -> tuple[str, bool]:
    """The demo event and the laptop's moderator token, created on first start."""
    if await get_event(redis, DEMO_SLUG) is None:
        # The demo follows no hashtag source: only the audience page and SMS feed it.
        await create_event(redis, Event(slug=DEMO_SLUG, title="Clameur — démo",
                                        hashtags=["clameur"], sources=[]))
    if token_path.is_file():
        token = token_path.read_text().strip()
        if await verify_token(redis, token) is not None:
            return token, False
    token, _ = await create_token(redis, DEMO_SLUG, "admin", label="laptop")
    write_private(token_path, token + "\n")  # 0600 from its creation
    return token, True


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


def room_address() -> str:
    """This machine's first non-loopback IPv4 address: what phones in the room can reach."""
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127.") \
                    and not name.startswith(("docker", "veth", "br-")):
                return str(address.address)
    return "127.0.0.1"


def public_base(settings: Settings, host: str, port: int) -> str:
    """The base URL to show and to put in QR codes: CLAMEUR_PUBLIC_URL, else the room
    address when listening on every interface, else the listen address."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    shown = room_address() if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def _start_children(host: str, port: int, url: str, public: str, log_dir: Path | None,
                    ) -> list[subprocess.Popen[bytes]]:
    """The web server and the source connectors; their logs go to `log_dir` when the
    terminal belongs to the moderator UI."""
    env = {**os.environ, "REDIS_URL": url, "CLAMEUR_PUBLIC_URL": public}
    commands = {"server": ["serve", "--host", host, "--port", str(port)], "ingest": ["ingest"]}
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


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.host
    port = args.port if args.port is not None else int(settings.port)
    with_tui = not args.no_tui and sys.stdin.isatty()
    _exit_on_sigterm()
    with redis_for(settings) as url:
        # The children hold the same key as the CLI, whatever --data-dir said.
        os.environ.setdefault("CLAMEUR_SECRET_FILE", str(secret_path(settings)))
        local = Settings(**{**settings.__dict__, "redis_url": url})
        data_dir = Path(settings.data_dir)
        token_path = data_dir / TOKEN_FILE

        async def demo(redis: Client) -> tuple[str, bool]:
            return await _ensure_demo(redis, token_path)

        token, fresh = with_redis(local, demo)
        base = public_base(settings, host, port)
        children = _start_children(host, port, url, base, data_dir if with_tui else None)
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", children[0])
            print(f"\nClameur is up.\n  wall:      {base}/wall/{DEMO_SLUG}\n"
                  f"  audience:  {base}/e/{DEMO_SLUG}\n"
                  f"  moderator token{' (new)' if fresh else ''}: {token}\n"
                  f"  (kept in {token_path})\n", flush=True)
            if not with_tui:
                return children[0].wait()
            return _run_tui(f"http://127.0.0.1:{port}", token, args.lang)
        except KeyboardInterrupt:
            return 0
        finally:
            _stop_children(children)


def _run_tui(server: str, token: str, lang: str | None) -> int:
    from moderator_tui.main import run

    return run(server=server, token=token, event=DEMO_SLUG, lang=lang, insecure=False)


