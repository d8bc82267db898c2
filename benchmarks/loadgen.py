"""A load-generator process: `python -m benchmarks.loadgen '{"mode": ..., ...}'`.

Modes (every client waits for its first frame, the snapshot, before `ready` is printed):
- `listen`: feed sockets recording when each `item` and `reactions` frame arrives;
- `tap`: audience sockets sending `{"type": "reactions", "counts": {...}}` at `rate`
  messages/s in all, for `duration` seconds after `go` (reporting what it sent, what it
  attempted, and what it skipped because the server's socket was full);
- `idle`: sockets that only stay connected;
- `slow`: sockets that stop reading after the snapshot (and report how they were closed);
- `vote`: audience sockets of phones (each with its signed device cookie: `devices` is
  the id prefix) sending `{"type": "vote", "poll", "option"}` at `rate` votes/s in all,
  for `duration` seconds after `go`, then waiting for every `voted` answer.
Times are `time.monotonic()`, one clock for every process of the machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import uvloop

from benchmarks.infra import SERVER_ENV, raise_open_files
from benchmarks.wsclient import FrameClient, connect
from wall.identity import DEVICE_COOKIE, device_signer

ITEM, REACTIONS = b'"type":"item"', b'"type":"reactions"'
POLL, VOTED = b'{"type":"poll"', b'{"type":"voted"'
WRITE_HIGH = 256 * 1024


class Listener:
    """What one feed socket received."""

    def __init__(self, keep_ids: bool) -> None:
        self.keep_ids = keep_ids
        self.items: list[float] = []
        self.ids: list[str] = []
        self.reactions: list[float] = []
        self.totals: dict[str, int] = {}
        self.polls: list[float] = []
        self.poll: dict[str, Any] = {}
        self.voted: list[float] = []
        self.snapshot = asyncio.get_running_loop().create_future()

    def on_text(self, client: FrameClient, payload: bytes, now: float) -> None:
        if not self.snapshot.done():
            self.snapshot.set_result(now)
            return
        if ITEM in payload:
            self.items.append(now)
            if self.keep_ids:
                self.ids.append(json.loads(payload)["item"]["id"])
        elif REACTIONS in payload:
            self.reactions.append(now)
            self.totals = json.loads(payload)["totals"]
        elif payload.startswith(VOTED):
            self.voted.append(now)
        elif payload.startswith(POLL):
            self.polls.append(now)
            self.poll = json.loads(payload)["poll"]


async def open_clients(config: dict[str, Any], keep_ids: bool = False,
                       rcvbuf: int = 0) -> list[tuple[FrameClient, Listener]]:
    """`clients` sockets spread over `ports`, opened `batch` at a time, past their snapshot."""
    ports, path, n = config["ports"], config["path"], config["clients"]
    out: list[tuple[FrameClient, Listener]] = []
    batch = config.get("batch", 100)
    devices = config.get("devices", "")
    for start in range(0, n, batch):
        listeners = [Listener(keep_ids) for _ in range(start, min(n, start + batch))]
        clients = await asyncio.gather(*[
            connect(config.get("host", "127.0.0.1"), ports[(start + i) % len(ports)], path,
                    on_text=listener.on_text, rcvbuf=rcvbuf,
                    cookie=device_cookie(f"{devices}-{start + i}") if devices else "")
            for i, listener in enumerate(listeners)])
        await asyncio.wait_for(asyncio.gather(*[lst.snapshot for lst in listeners]), 60)
        out.extend(zip(clients, listeners, strict=True))
    return out


async def tap(clients: list[FrameClient], rate: float, duration: float) -> Counter[str]:
    """Send `rate` messages/s of batched taps over `clients` for `duration` s, evenly
    (open loop: the offered rate does not depend on the server; a socket whose buffer is
    full is skipped, so a saturated server is not buried under an endless backlog)."""
    kinds = (b"clap", b"heart", b"wow", b"laugh")
    sent: Counter[str] = Counter()
    start = time.monotonic()
    n = 0
    while (now := time.monotonic()) < start + duration:
        due = int(rate * (now - start)) - n
        for _ in range(due):
            client = clients[n % len(clients)]
            transport = client.transport
            n += 1
            if transport is None or transport.get_write_buffer_size() > WRITE_HIGH:
                sent["_skipped"] += 1
                continue
            kind, count = kinds[n % 4], n % 5 + 1
            client.send(b'{"type":"reactions","counts":{"%s":%d}}' % (kind, count))
            sent[kind.decode()] += count
            sent["_messages"] += 1
        await asyncio.sleep(0.005)
    sent["_attempted"] = n
    return sent


def device_cookie(device: str) -> str:
    """The signed device cookie a phone's page gets (the bench server's secret)."""
    signed = device_signer(SERVER_ENV["CLAMEUR_SECRET"]).sign(device).decode()
    return f"{DEVICE_COOKIE}={signed}"


async def vote(clients: list[FrameClient], rate: float, duration: float, poll: str,
               options: int) -> tuple[int, dict[int, int]]:
    """Send `rate` votes/s over `clients` for `duration` s, open loop like `tap` (each
    phone changes its mind as it goes); (votes sent, each client's last option)."""
    last: dict[int, int] = {}
    start = time.monotonic()
    n = sent = 0
    while (now := time.monotonic()) < start + duration:
        due = int(rate * (now - start)) - n
        for _ in range(due):
            index = n % len(clients)
            client = clients[index]
            transport = client.transport
            option = (n // len(clients) + index) % options
            n += 1
            if transport is None or transport.get_write_buffer_size() > WRITE_HIGH:
                continue
            client.send(b'{"type":"vote","poll":"%s","option":%d}' % (poll.encode(), option))
            last[index] = option
            sent += 1
        await asyncio.sleep(0.005)
    return sent, last


async def serve_votes(pairs: list[tuple[FrameClient, Listener]], config: dict[str, Any]
                      ) -> None:
    """`go` votes for `duration` seconds, waits for every answer, prints what was sent:
    votes, answers (`voted`), when the last answer came, and the tally of last votes."""
    async for line in commands():
        if line == "go":
            clients = [client for client, _ in pairs]
            before = sum(len(lst.voted) for _, lst in pairs)
            sent, last = await vote(clients, config["rate"], config["duration"],
                                    config["poll"], config["options"])
            acked = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                acked = sum(len(lst.voted) for _, lst in pairs) - before
                if acked >= sent:
                    break
                await asyncio.sleep(0.02)
            tally = Counter(str(option) for option in last.values())
            say(sent={"votes": sent, "acked": acked, "tally": dict(tally),
                      "last_ack": max((lst.voted[-1] for _, lst in pairs if lst.voted),
                                      default=0.0)})


async def commands() -> AsyncIterator[str]:
    """Lines from the coordinator on stdin, until `stop` or end of input."""
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line or line == "stop":
            return
        yield line


def say(**message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def listen_result(pairs: list[tuple[FrameClient, Listener]], detail: bool) -> dict[str, Any]:
    listeners = [lst for _, lst in pairs]
    result: dict[str, Any] = {
        "items": sum(len(lst.items) for lst in listeners),
        "first": min((lst.items[0] for lst in listeners if lst.items), default=0),
        "last": max((lst.items[-1] for lst in listeners if lst.items), default=0),
        "closes": Counter(str(c.close_code) for c, _ in pairs if c.close_code),
        "reaction_times": [lst.reactions for lst in listeners[:20]],
        "totals": [lst.totals for lst in listeners],
        "poll_times": [lst.polls for lst in listeners[:20]],
        "polls": [lst.poll for lst in listeners],
    }
    if detail:
        result["arrivals"] = [lst.items for lst in listeners]
        result["ids"] = [lst.ids for lst in listeners]
    return result


async def serve_listeners(pairs: list[tuple[FrameClient, Listener]], mode: str) -> None:
    """`reset` forgets what was recorded; `report` prints counts, `detail` every arrival
    (slow clients read again first)."""
    async for line in commands():
        if line == "reset":
            for _, lst in pairs:
                lst.items.clear()
                lst.ids.clear()
                lst.reactions.clear()
            say(reset=True)
        elif line in ("report", "detail"):
            if mode == "slow":
                for client, _ in pairs:
                    if client.transport is not None:
                        client.transport.resume_reading()
                await asyncio.sleep(1.0)
            say(**{line: listen_result(pairs, detail=line == "detail")})


async def serve_taps(pairs: list[tuple[FrameClient, Listener]], rate: float,
                     duration: float) -> None:
    """`go` sends taps for `duration` seconds and prints what was sent."""
    async for line in commands():
        if line == "go":
            clients = [client for client, _ in pairs]
            cpu = time.process_time()
            sent = await tap(clients, rate, duration)
            sent["_cpu_us"] = int((time.process_time() - cpu) * 1e6)
            # What is still in our buffers is not sent yet (and would die with us).
            while any(c.transport and c.transport.get_write_buffer_size() for c in clients):
                await asyncio.sleep(0.01)
            say(sent=dict(sent))


async def main(config: dict[str, Any]) -> None:
    raise_open_files()
    mode = config["mode"]
    pairs = await open_clients(config, keep_ids=config.get("ids", False),
                               rcvbuf=4096 if mode == "slow" else 0)
    if mode == "slow":
        for client, _ in pairs:
            client.pause()
    say(ready={"connected": len(pairs)})
    if mode == "tap":
        await serve_taps(pairs, config["rate"], config["duration"])
    elif mode == "vote":
        await serve_votes(pairs, config)
    else:
        await serve_listeners(pairs, mode)
    for client, _ in pairs:
        client.close()


if __name__ == "__main__":
    uvloop.run(main(json.loads(sys.argv[1])))
