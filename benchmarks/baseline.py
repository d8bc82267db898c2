"""The bare baselines: the same Starlette and uvicorn, with no Clameur logic at all.

- `POST /json`: parse a JSON body, answer `202` with a small JSON object (the posts floor);
- `WS /ws`: a broadcast listener, with one bounded queue and one writer task per connection,
  like the hub but with nothing else; `POST /publish` returns `200` and broadcasts its body
  (the fan-out floor);
- `WS /rx`: a receive loop that parses each JSON message and adds its counts to a counter;
  `GET /count` returns the sum (the reactions floor);
- `WS /idle`: accepts and waits (the memory floor per connection).

Run as `python -m benchmarks.baseline --port PORT [--workers N]`: the uvicorn `Config` is
the one `clameur serve` builds (`wall/commands/server.py::_uvicorn_config`, with the bare app
put in place of Clameur's), so every server setting is Clameur's by construction: loop
(uvloop), HTTP protocol (httptools with the head guard of `wall/httpguard.py`), WebSocket
protocol and limits (websockets-sansio, no per-message deflate, 64 KB messages), access log
(as `CLAMEUR_ACCESS_LOG` says, off by default), proxy headers, graceful-shutdown timeout,
the cycle collector tuned (`tune_gc`), the open-files limit raised; `--workers N` runs N of
them on one port under the same supervisor (`wall/workers.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from wall.commands.server import _exit_on_sigterm, _uvicorn_config, tune_gc
from wall.config import Settings
from wall.httpguard import raise_file_limit
from wall.workers import Supervisor, WorkerServer, reuse_port_socket

QUEUE_BOUND = 1_000
UNUSED_REDIS = "redis://127.0.0.1:1/0"  # Clameur's app is built, never started
listeners: set[asyncio.Queue[str]] = set()
counts: Counter[str] = Counter()


async def bare_json(request: Request) -> Response:
    data = await request.json()
    return JSONResponse({"id": "x", "status": "pending", "n": len(data)}, status_code=202)


async def publish(request: Request) -> Response:
    text = (await request.body()).decode()
    for queue in list(listeners):
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(text)
    return JSONResponse({"listeners": len(listeners)})


async def broadcast_socket(ws: WebSocket) -> None:
    await ws.accept()
    queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_BOUND)
    listeners.add(queue)

    async def writer() -> None:
        while True:
            await ws.send_text(await queue.get())

    task = asyncio.create_task(writer())
    try:
        await ws.send_text('{"type":"snapshot"}')
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        listeners.discard(queue)
        task.cancel()


async def receive_socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text('{"type":"snapshot"}')
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            data = json.loads(await ws.receive_text())
            for kind, n in data["counts"].items():
                counts[kind] += n


async def count(request: Request) -> Response:
    return JSONResponse(dict(counts))


async def idle_socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text('{"type":"snapshot"}')
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass


app = Starlette(routes=[
    Route("/json", bare_json, methods=["POST"]),
    Route("/publish", publish, methods=["POST"]),
    Route("/count", count, methods=["GET"]),
    Route("/healthz", count, methods=["GET"]),
    WebSocketRoute("/ws", broadcast_socket),
    WebSocketRoute("/rx", receive_socket),
    WebSocketRoute("/idle", idle_socket),
])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baseline")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker-ready-fd", type=int)
    args = parser.parse_args()
    _exit_on_sigterm()
    raise_file_limit()
    if args.workers > 1 and args.worker_ready_fd is None:
        command = [sys.executable, "-m", "benchmarks.baseline", "--host", args.host,
                   "--port", str(args.port)]
        return Supervisor(command, {}, args.workers).run()
    # Clameur's own server settings; its app is built, then replaced by the bare one.
    config = _uvicorn_config(Settings.load(), UNUSED_REDIS, args.host, args.port)
    config.app = app
    if args.worker_ready_fd is None:
        server = uvicorn.Server(config)
        tune_gc()
        server.run()
        return 0
    worker = WorkerServer(config, args.worker_ready_fd)
    sock = reuse_port_socket(args.host, args.port)
    tune_gc()
    worker.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
