"""The bare baselines: the same Starlette and uvicorn, with no Clameur logic at all.

- `POST /json`: parse a JSON body, answer `202` with a small JSON object (the posts floor);
- `WS /ws`: a broadcast listener, with one bounded queue and one writer task per connection,
  like the hub but with nothing else; `POST /publish` returns `200` and broadcasts its body
  (the fan-out floor);
- `WS /rx`: a receive loop that parses each JSON message and adds its counts to a counter;
  `GET /count` returns the sum (the reactions floor);
- `WS /idle`: accepts and waits (the memory floor per connection).

Run as `python -m benchmarks.baseline PORT`, with the uvicorn settings of `clameur serve`.
"""

from __future__ import annotations

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

QUEUE_BOUND = 1_000
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


def main() -> None:
    # The settings of `clameur serve` (wall/commands/server.py), access log included.
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info",
                ws_max_size=64 * 1024, server_header=False, lifespan="off")


if __name__ == "__main__":
    main()
