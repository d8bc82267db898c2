"""A simulated phone: opens the audience page (device cookie), then its socket with that
cookie, taps reactions (alone now and then, with the room after each speaker), posts a
message from the corpus now and then, and reconnects like the page when dropped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
from collections import Counter

import aiohttp

from wall.rehearsal import http
from wall.rehearsal.corpus import Corpus
from wall.rehearsal.plan import FLUSH_S, Plan, Rhythm, pick_kind, source_address
from wall.rehearsal.tally import Post, Tally

RETRY_S = 2.0  # a post answered 5xx (or not at all) is sent again, as the page does
SERVER_TROUBLE = (500, 502, 503, 504)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Phone:
    def __init__(self, index: int, plan: Plan, rhythm: Rhythm, corpus: Corpus, tally: Tally,
                 t0: float) -> None:
        self.index, self.plan, self.tally, self.corpus, self.t0 = index, plan, tally, corpus, t0
        self.rng = random.Random(plan.seed * 100_003 + index)
        self.lang = "fr" if self.rng.random() < 0.6 else "en"
        self.author = corpus.author(self.rng)
        self.arrives = self.rng.uniform(0, plan.ramp)
        # Which applause moments this phone joins: (start, end, kind, taps per second).
        self.bursts = [(m.at + self.rng.uniform(0, 1.5), m.at + m.length, m.kind,
                        self.rng.uniform(3.0, 7.0))
                       for m in rhythm.moments if self.rng.random() < m.share]
        self.pending: Counter[str] = Counter()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.session: aiohttp.ClientSession | None = None
        self.closing = False
        self.posts_running: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def run(self, stop: asyncio.Event, drained: asyncio.Event) -> None:
        """Arrive, take part until `stop`, send what is left, close once `drained`."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), self.arrives)
        if stop.is_set():
            return
        self.session = http.session(self.plan.base, source_address(self.index, self.plan.nat),
                                    self.lang)
        try:
            await self._open_page()
            link = asyncio.create_task(self._keep_socket(stop))
            await self._take_part(stop)
            await self._flush()
            if self.posts_running:
                await asyncio.wait(self.posts_running)
            await drained.wait()
            self.closing = True
            link.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await link
            if self.ws is not None and not self.ws.closed:
                await self.ws.close()
        finally:
            await self.session.close()

    async def _open_page(self) -> None:
        assert self.session is not None
        try:
            async with self.session.get(f"{self.plan.base}/e/{self.plan.slug}") as res:
                await res.read()
                if res.status >= 500:
                    self.tally.error(f"GET /e/ {res.status}")
                elif res.status == 200:
                    self.tally.pages += 1
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.tally.error(f"GET /e/ {type(exc).__name__}")

    # ---- the socket: open, read (count what comes), reopen when dropped ----
    async def _keep_socket(self, stop: asyncio.Event) -> None:
        assert self.session is not None
        backoff, first = 1.0, True
        while not self.closing:
            url = f"{self.plan.ws_base}/ws/audience/{self.plan.slug}"
            try:
                self.ws = await self.session.ws_connect(url, origin=self.plan.base,
                                                        autoping=True, max_msg_size=0)
            except aiohttp.WSServerHandshakeError as exc:
                self._socket_failed(str(exc.status), exc.status >= 500)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                self._socket_failed(type(exc).__name__, True)
            else:
                backoff = 1.0
                if first:
                    self.tally.phones_connected += 1
                    first = False
                else:
                    self.tally.reconnects += 1
                self.tally.phones_open += 1
                opened = time.monotonic()
                try:
                    async for _ in self.ws:
                        pass  # the feed: a phone only needs to keep reading it
                finally:
                    self.tally.phones_open -= 1
                if self.closing:
                    return
                code = str(self.ws.close_code)
                if time.monotonic() - opened < 0.5 and (self.ws.close_code or 0) >= 4000:
                    self.tally.sockets_refused[code] += 1
                else:
                    self.tally.sockets_dropped[code] += 1
                    if self.ws.close_code in (1011, 1013):
                        self.tally.error(f"socket closed {code}")
            if stop.is_set() and self.closing:
                return
            await asyncio.sleep(backoff * self.rng.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 8.0)

    def _socket_failed(self, why: str, server_trouble: bool) -> None:
        if server_trouble:
            self.tally.error(f"socket handshake {why}")
        else:
            self.tally.sockets_refused[why] += 1

    # ---- what a person does: taps and posts ----
    async def _take_part(self, stop: asyncio.Event) -> None:
        post_times = self._post_times()
        while not stop.is_set():
            now = self.now()
            self._tap(now)
            while post_times and post_times[0] <= now:
                post_times.pop(0)
                task = asyncio.create_task(self._post(stop))
                self.posts_running.add(task)
                task.add_done_callback(self.posts_running.discard)
            await self._flush()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_S)

    def _post_times(self) -> list[float]:
        rate, at = self.plan.posts_per_minute / 60, self.arrives + 1.0
        times: list[float] = []
        if rate <= 0:
            return []
        while True:
            at += self.rng.expovariate(rate)
            if at >= self.plan.duration - 2:
                return times
            times.append(at)

    def _tap(self, now: float) -> None:
        self.pending[pick_kind(self.plan, self.rng)] += poisson(
            self.rng, self.plan.taps_per_minute / 60 * FLUSH_S)
        for start, end, kind, rate in self.bursts:
            if start <= now < end and kind in self.plan.kinds:
                self.pending[kind] += poisson(self.rng, rate * FLUSH_S)

    async def _flush(self) -> None:
        counts = {k: n for k, n in self.pending.items() if n > 0}
        self.pending.clear()
        if not counts:
            return
        if self.ws is not None and not self.ws.closed:
            try:
                await self.ws.send_str(json.dumps({"type": "reactions", "counts": counts}))
            except (aiohttp.ClientError, ConnectionError, RuntimeError):
                pass
            else:
                self.tally.taps_sent.update(counts)
                return
        await self._tap_over_http(counts)

    async def _tap_over_http(self, counts: dict[str, int]) -> None:
        """Without a socket the page posts its taps; a 5xx keeps them for the next flush."""
        assert self.session is not None
        try:
            async with self.session.post(
                    f"{self.plan.base}/api/events/{self.plan.slug}/reactions",
                    json={"counts": counts}, headers=http.same_site(self.plan.base)) as res:
                body = await res.json(content_type=None) if res.status == 202 else None
                status = res.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            self.tally.error(f"POST /reactions {type(exc).__name__}")
            self.pending.update(counts)
            return
        if status == 202 and isinstance(body, dict):
            accepted = int(body.get("accepted", 0))
            if accepted == sum(counts.values()):
                self.tally.taps_sent.update(counts)
            else:
                self.tally.taps_refused += sum(counts.values())
        elif status in SERVER_TROUBLE:
            self.tally.error(f"POST /reactions {status}")
            self.pending.update(counts)
        else:
            self.tally.taps_refused += sum(counts.values())

    async def _post(self, stop: asyncio.Event) -> None:
        assert self.session is not None
        message = self.corpus.pick(self.rng)
        post = Post(key=f"r{self.index}-{len(self.tally.posts)}-{self.rng.getrandbits(32):x}",
                    text=message.text, expect=message.expect)
        self.tally.posts.append(post)
        body = {"text": message.text, "author": self.author, "source_id": post.key}
        if message.question:
            body["kind"] = "question"
        deadline = self.plan.duration + 15
        while True:
            sent_at = time.monotonic()
            try:
                async with self.session.post(
                        f"{self.plan.base}/api/events/{self.plan.slug}/posts", json=body,
                        headers=http.same_site(self.plan.base)) as res:
                    status, answer = res.status, await res.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                status, answer = 0, type(exc).__name__
            if status == 202 and isinstance(answer, dict):
                post.id, post.status, post.sent_at = answer["id"], answer["status"], sent_at
                return
            if status and status not in SERVER_TROUBLE:
                post.refused = http.answer_error(status, answer)
                if status >= 500:
                    self.tally.error(f"POST /posts {status}")
                return
            self.tally.error(f"POST /posts {status or answer}")
            if self.now() > deadline:
                post.refused = f"gave up after server errors ({status or answer})"
                return
            await asyncio.sleep(RETRY_S)
