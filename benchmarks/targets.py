"""What a feed benchmark talks to: a Clameur event, or the bare broadcast baseline.

Both expose the same three things: where listeners connect, how to publish one item and
learn when its `200` came back, and how to publish many as fast as possible.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from benchmarks.infra import LoadGen, Service, split
from benchmarks.load import listen_generators
from benchmarks.setup import BenchEvent, approve, approve_all, item_frame, pending, publish_all


@dataclass
class FeedTarget:
    name: str
    ports: list[int]
    paths: list[str]
    event: BenchEvent | None = None
    redis_url: str = ""
    ids: list[str] = field(default_factory=list)
    next_id: int = 0
    service: Service | None = None
    cpu_per_frame: float = 0.0
    generator_busy: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    async def prepare(self, count: int) -> None:
        """Pending items to approve later (Clameur only; the baseline needs none)."""
        if self.event is not None:
            self.ids = await pending(self.redis_url, self.event.slug, count)
            self.next_id = 0

    def _take(self, n: int) -> list[str]:
        ids = self.ids[self.next_id:self.next_id + n]
        if len(ids) < n:
            raise RuntimeError("not enough pending items prepared")
        self.next_id += n
        return ids

    async def publish_one(self, http: httpx.AsyncClient, n: int) -> float:
        """Approve (or publish) one item; the monotonic time of its `200`."""
        if self.event is not None:
            return await approve(http, self.event, self._take(1)[0])
        res = await http.post("/publish", content=item_frame(n).encode())
        res.raise_for_status()
        return time.monotonic()

    async def publish_many(self, n: int) -> None:
        if self.event is not None:
            await approve_all(self.base_url, self.event, self._take(n))
        else:
            await publish_all(self.base_url, [item_frame(i) for i in range(n)])


def clameur_target(server: Service, redis_url: str, event: BenchEvent,
                   ports: list[int] | None = None) -> FeedTarget:
    """Half walls, half audiences, on `ports` (default: the one server)."""
    return FeedTarget("clameur", ports or [server.port],
                      [f"/ws/wall/{event.slug}", f"/ws/audience/{event.slug}"],
                      event=event, redis_url=redis_url, service=server)


def bare_target(server: Service) -> FeedTarget:
    return FeedTarget("bare", [server.port], ["/ws"], service=server)


async def listeners(target: FeedTarget, clients: int, generators: int | None = None,
                    mode: str = "listen", ids: bool = False) -> list[LoadGen]:
    """`clients` listeners over `generators` processes (default: as many as `clients` need,
    benchmarks/load.py), connected and past the snapshot."""
    generators = generators or listen_generators(clients)
    gens = [LoadGen({"mode": mode, "ports": target.ports,
                     "path": target.paths[i % len(target.paths)], "clients": n, "ids": ids})
            for i, n in enumerate(split(clients, generators)) if n]
    await asyncio.gather(*(g.start() for g in gens))
    return gens


async def ask_all(gens: list[LoadGen], command: str) -> list[dict[str, object]]:
    return list(await asyncio.gather(*(g.ask(command) for g in gens)))


async def close_all(gens: list[LoadGen]) -> None:
    await asyncio.gather(*(g.close() for g in gens))


def busiest(gens: list[LoadGen], before: list[float], seconds: float) -> float:
    """The busiest generator's share of one core since `before` (their CPU seconds then)."""
    return max(((g.cpu_seconds() - b) / max(seconds, 1e-6)
                for g, b in zip(gens, before, strict=True)), default=0.0)
