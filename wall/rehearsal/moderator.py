"""A simulated moderator: the desk's socket (queue and every new item), approving what
arrives pending — and turning down what the word list held — at most `rate` decisions a
second, over the decisions API."""

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

READ_S = 1.0


class Moderator:
    def __init__(self, plan: Plan, tally: Tally) -> None:
        self.plan, self.tally = plan, tally
        self.todo: asyncio.Queue[tuple[str, str, float]] = asyncio.Queue()
        self.seen: set[str] = set()
        self.decided: set[str] = set()  # by anyone (the rules too): nothing left to do
        self.closing = False

    async def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.plan.moderator_token}"}
        async with http.session(self.plan.base, None, headers=headers) as session:
            approving = asyncio.create_task(self._approve(session))
            try:
                while not self.closing:
                    await self._listen(session)
                    if not self.closing:
                        await asyncio.sleep(1.0)
            finally:
                approving.cancel()

    async def _listen(self, session: aiohttp.ClientSession) -> None:
        try:
            async with session.ws_connect(f"{self.plan.ws_base}/ws/moderate/{self.plan.slug}",
                                          max_msg_size=0) as ws:
                self.ws = ws
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.TEXT:
                        self._frame(json.loads(message.data))
                if not self.closing:
                    self.tally.sockets_dropped[f"moderator {ws.close_code}"] += 1
        except aiohttp.WSServerHandshakeError as exc:
            self.tally.error(f"moderator socket {exc.status}")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            if not self.closing:
                self.tally.error(f"moderator socket {type(exc).__name__}")

    def _frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == protocol.QUEUE:
            pending = [i for i in frame.get("items") or [] if isinstance(i, dict)]
        elif frame.get("type") == protocol.QUEUED and frame.get("state") == "pending":
            pending = [frame["item"]]
        elif frame.get("type") == protocol.DECISION:
            self.decided.add(str(frame.get("id")))
            return
        else:
            return
        for item in pending:
            if item["id"] not in self.seen:
                self.seen.add(item["id"])
                # What the word list held, a moderator turns down; the rest goes up.
                self.todo.put_nowait((item["id"], "reject" if item.get("held") else "approve",
                                      time.monotonic()))

    async def _approve(self, session: aiohttp.ClientSession) -> None:
        gap = 1.0 / self.plan.moderate_rate
        while True:
            item_id, action, arrived = await self.todo.get()
            # A person reads before deciding; by then the rules may have decided it.
            await asyncio.sleep(max(0.0, arrived + READ_S - time.monotonic()))
            if item_id in self.decided:
                continue
            url = f"{self.plan.base}/api/events/{self.plan.slug}/items/{item_id}/decisions"
            started = time.monotonic()
            try:
                async with session.post(url, json={"action": action}) as res:
                    status = res.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.tally.error(f"POST /decisions {type(exc).__name__}")
                status = 0
            if status == 200 and action == "approve":
                self.tally.approvals += 1
                self.tally.approved_at[item_id] = started
            elif status == 200:
                self.tally.rejections += 1
            elif status == 409:
                self.tally.approval_conflicts += 1
            elif status:
                self.tally.error(f"POST /decisions {status}")
            await asyncio.sleep(max(0.0, gap - (time.monotonic() - started)))

    async def close(self) -> None:
        self.closing = True
        ws = getattr(self, "ws", None)
        if ws is not None:
            await ws.close()
