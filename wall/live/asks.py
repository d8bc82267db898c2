"""The hub's side of questions and polls: the `asks` stream turned into `votes`, `poll`
and `mode` frames, at a pace a projector and a phone can follow.

Entries name what changed (question ids, a poll id, a mode); the current values are read
once per tick for everything that changed, whatever the number of votes behind it: at
most one `votes` frame per question every `VOTES_INTERVAL` (like reactions) and one `poll`
frame every `POLL_INTERVAL` (a poll opened or closed is sent at once). Every process reads
the same stream, so its walls see the votes stored by every other process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from wall import protocol
from wall.polls import public
from wall.store.client import StoreError
from wall.store.polls import PollRecord

log = logging.getLogger(__name__)
VOTES_INTERVAL = 0.1
POLL_INTERVAL = 0.25

StreamEntry = tuple[str, dict[str, str]]


class AskBackend(Protocol):
    """What the relay reads: the questions' votes and answers, a poll's public state."""

    async def question_votes(self, slug: str, ids: list[str]
                             ) -> list[tuple[str, int, dict[str, str] | None]]:
        """Each question's votes and answer now."""

    async def poll_record(self, slug: str, poll_id: str) -> PollRecord | None:
        """A poll as stored (None when it is gone)."""


class AskRelay:
    """One event's relay; `send(frame)` offers a frame to every wall, phone and desk."""

    def __init__(self, backend: AskBackend, slug: str,
                 send: Callable[[protocol.Frame], None]) -> None:
        self.backend = backend
        self.slug = slug
        self.send = send
        self.questions: set[str] = set()
        self.polls: set[str] = set()
        self.urgent: set[str] = set()  # polls opened or closed: sent without waiting
        self.last_poll = 0.0
        self._wake = asyncio.Event()

    def take(self, entries: list[StreamEntry]) -> None:
        """Note what the stream's new entries changed; mode frames go out at once."""
        for _, fields in entries:
            kind = fields.get("type")
            if kind == protocol.VOTES:
                self.questions.update(i for i in fields.get("ids", "").split(",") if i)
            elif kind == protocol.POLL:
                self.polls.add(fields.get("id", ""))
                if fields.get("status"):
                    self.urgent.add(fields.get("id", ""))
            elif kind == protocol.MODE:
                self.send(protocol.mode(fields.get("mode", "feed")))
        if self.questions or self.polls:
            self._wake.set()

    async def run(self) -> None:
        """Send what changed, each kind at its own pace, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._send_votes()
                await self._send_polls()
            except StoreError as exc:
                log.warning("asks %s: Redis read failed (%s); retrying", self.slug, exc)
                self._wake.set()
            await asyncio.sleep(VOTES_INTERVAL)
            if self.polls:
                self._wake.set()

    async def _send_votes(self) -> None:
        if not self.questions:
            return
        ids, self.questions = sorted(self.questions), set()
        try:
            found = await self.backend.question_votes(self.slug, ids)
        except StoreError:
            self.questions.update(ids)
            raise
        for item_id, count, answer in found:
            self.send(protocol.votes(item_id, count, answer))

    async def _send_polls(self) -> None:
        now = time.monotonic()
        due = set(self.urgent) if now - self.last_poll < POLL_INTERVAL else set(self.polls)
        if not due:
            return
        self.polls -= due
        self.urgent -= due
        self.last_poll = now
        for poll_id in sorted(due):
            try:
                rec = await self.backend.poll_record(self.slug, poll_id)
            except StoreError:
                self.polls.add(poll_id)
                raise
            if rec is not None:
                self.send(protocol.poll(public(rec)))
