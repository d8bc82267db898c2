"""`python -m benchmarks.instructions`: a post's instructions against the bare endpoint's,
counted by valgrind's callgrind, in-process.

Timings on a virtual machine drift (two identical servers differ by up to 10 %), so changes
of a few per cent cannot be told apart with `wrk`. An instruction count can: the same code
gives the same count, to about 0.2 %, however busy the machine is. It is not time (a
system call or a cache miss counts as little), so it decides between variants of the code;
the posts figure of `make bench` says what they are worth over HTTP.

Each side runs in its own process under callgrind, against a fresh redis-server: the app
(Clameur's, with rate limits off as in the bench, or benchmarks/baseline.py's) called as ASGI
by `--tasks` concurrent tasks, each request a new phone posting the bench's French message.
Counting is switched on (`callgrind_control -i on`) after `--warm` requests and off after
`--requests` more, so start-up and imports are not counted; the cycle collector is tuned
before, as the servers tune it (`tune_gc`). Needs valgrind (Debian:
`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop

from benchmarks.infra import SERVER_ENV, start_redis
from benchmarks.setup import new_event
from wall.commands.server import tune_gc

BODY = '{"text": "Bonjour la salle, message numéro %d", "author": "Camille"}'
_COLLECTED = re.compile(r"Collected : (\d+)")

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _scope(path: str, body: bytes, n: int) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1024 + n % 60000),
            "server": ("127.0.0.1", 8000), "state": {},
            "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())]}


async def _post(app: Asgi, path: str, n: int, expected: int) -> None:
    body = (BODY % n).encode()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:  # the app reads one message: the whole body
            await asyncio.Event().wait()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(_scope(path, body, n), receive, send)
    if statuses != [expected]:
        raise RuntimeError(f"{path} answered {statuses}, not {expected}")


async def _requests(app: Asgi, path: str, count: int, tasks: int, first: int) -> None:
    async def task(k: int) -> None:
        for n in range(first + k, first + count, tasks):
            await _post(app, path, n, 202)

    await asyncio.gather(*(task(k) for k in range(tasks)))


def _counting(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, capture_output=True)


async def child(side: str, redis_url: str, warm: int, count: int, tasks: int) -> None:
    """One side, under callgrind: warm up, then count `count` requests."""
    if side == "bare":
        from benchmarks.baseline import app as bare_app
        await _measure(bare_app, "/json", warm, count, tasks)
        return
    from wall.app import create_app
    from wall.config import Settings

    event = await new_event(redis_url)
    app = create_app(Settings.load(), redis_url)
    async with app.router.lifespan_context(app):
        await _measure(app, f"/api/events/{event.slug}/posts", warm, count, tasks)


async def _measure(app: Asgi, path: str, warm: int, count: int, tasks: int) -> None:
    await _requests(app, path, warm, tasks, 0)
    tune_gc()  # the cycle collector as `clameur serve` and the baseline tune it
    _counting(True)
    await _requests(app, path, count, tasks, warm)
    _counting(False)


def count_side(side: str, redis_url: str, args: argparse.Namespace) -> int:
    """Instructions counted for `args.requests` requests of `side`."""
    with tempfile.TemporaryDirectory(prefix="clameur-callgrind-") as folder:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={Path(folder) / 'callgrind.out'}",
             sys.executable, "-m", "benchmarks.instructions", "--child", side,
             "--redis", redis_url, "--warm", str(args.warm), "--requests", str(args.requests),
             "--tasks", str(args.tasks)],
            env={**os.environ, **SERVER_ENV, "PYTHONHASHSEED": "0"},
            capture_output=True, text=True, check=False)
    found = _COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        raise RuntimeError(f"{side} under callgrind failed: {out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--requests", type=int, default=1280)
    parser.add_argument("--warm", type=int, default=1280)
    parser.add_argument("--tasks", type=int, default=64)
    parser.add_argument("--child", choices=("post", "bare"))
    parser.add_argument("--redis")
    args = parser.parse_args()
    if args.child:  # the server's loop, uvloop: asyncio's own would count its Python too
        uvloop.run(child(args.child, args.redis, args.warm, args.requests, args.tasks))
        return 0
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (Debian: apt-get install valgrind)",
                  file=sys.stderr)
            return 2
    redis = start_redis()
    try:
        post = count_side("post", redis.url, args) / args.requests
        bare = count_side("bare", redis.url, args) / args.requests
    finally:
        redis.stop()
    print(f"instructions per request, in-process ({args.requests} requests after "
          f"{args.warm}, {args.tasks} tasks)")
    print(f"| post (a new phone's)  | {post:>10,.0f} |")
    print(f"| bare POST /json       | {bare:>10,.0f} |")
    print(f"| ratio                 | {post / bare:>10.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
