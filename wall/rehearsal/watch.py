"""Simulated walls: feed sockets that note when each item arrives (post→wall latency) and
the reaction totals the server announces; and a fresh snapshot for the final count."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from wall import protocol
from wall.rehearsal import http
from wall.rehearsal.plan import Plan
from wall.rehearsal.tally import Tally


class Wall:
    def __init__(self, plan: Plan, tally: Tally, first: bool) -> None:
        self.plan, self.tally, self.first = plan, tally, first
        self.totals: dict[str, int] = {}
        self.changed = asyncio.Event()
        self.closing = False

    async def run(self) -> None:
        """Follow the feed until closed; reconnect with `after=` when dropped (as walls do)."""
        position = ""
        async with http.session(self.plan.base, None) as session:
            while not self.closing:
                url = f"{self.plan.ws_base}/ws/wall/{self.plan.slug}"
                if position:
                    url += f"?after={position}"
                try:
                    async with session.ws_connect(url, origin=self.plan.base,
                                                  max_msg_size=0) as ws:
                        self.ws = ws
                        async for message in ws:
                            if message.type == aiohttp.WSMsgType.TEXT:
                                position = self._frame(json.loads(message.data)) or position
                        if not self.closing:
                            self.tally.sockets_dropped[f"wall {ws.close_code}"] += 1
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    if self.closing:
                        return
                    self.tally.error(f"wall socket {type(exc).__name__}")
                if not self.closing:
                    await asyncio.sleep(1.0)

    def _frame(self, frame: dict[str, Any]) -> str:
        kind = frame.get("type")
        if kind == protocol.SNAPSHOT:
            self._totals(frame.get("reactions") or {})
        elif kind == protocol.ITEM and self.first:
            self.tally.on_wall_at.setdefault(frame["item"]["id"], time.monotonic())
        elif kind == protocol.REACTIONS:
            self._totals(frame.get("totals") or {})
        return str(frame.get("position") or "")

    def _totals(self, totals: dict[str, int]) -> None:
        self.totals = {k: int(v) for k, v in totals.items()}
        self.changed.set()

    async def close(self) -> None:
        self.closing = True
        ws = getattr(self, "ws", None)
        if ws is not None:
            await ws.close()


async def snapshot(plan: Plan, wait: float = 10.0) -> dict[str, Any]:
    """A fresh wall's first frame: what the server holds now (raises on failure)."""
    async with http.session(plan.base, None) as session, session.ws_connect(
            f"{plan.ws_base}/ws/wall/{plan.slug}", origin=plan.base, max_msg_size=0) as ws:
        message = await ws.receive(timeout=wait)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"the wall socket closed ({ws.close_code})")
        frame: dict[str, Any] = json.loads(message.data)
        if frame.get("type") != protocol.SNAPSHOT:
            raise ConnectionError(f"a fresh wall got {frame.get('type')!r}, not a snapshot")
        return frame
