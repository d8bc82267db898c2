"""Votes gathered in memory and written in batches: one script per poll (or per event's
questions) every `interval`, however many phones vote.

A vote is acknowledged only once stored (group commit): `vote_poll` and `vote_question`
return a future that the flush resolves after its script ran, so 10,000 votes a second are
a few dozen Redis commands, and "202" still means "stored". A voter's later vote in the
same batch replaces their earlier one before it reaches Redis. While Redis is unreachable
the batches stay here (newer ballots win) and are written once it answers again; callers
waiting past their timeout answer 503, and the vote is still written then (a repeat is
harmless: a voter has one ballot).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from wall.store import polls, questions
from wall.store.client import Client, StoreError
from wall.tasks import cancel_and_wait

log = logging.getLogger(__name__)
FLUSH_INTERVAL = 0.05
MAX_DEFINITIONS = 1_000


class PollRefused(Exception):
    """The poll is not open (its `status`: draft, closed) or gone (`missing`)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


# Told "ok" once a socket's vote is stored, else the poll's status ("closed", "missing"...).
Answer = Callable[[str], None]


@dataclass
class _PollBatch:
    # voter -> (choice, held by the word list); the last vote of a voter wins.
    ballots: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # An HTTP request's future, or a socket's answer (no future per vote: 10,000 a second).
    waiters: list[asyncio.Future[None] | Answer] = field(default_factory=list)


@dataclass
class _QuestionBatch:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    waiters: list[asyncio.Future[int]] = field(default_factory=list)


class VoteBatcher:
    """The process's votes on their way to Redis."""

    def __init__(self, redis: Client, interval: float = FLUSH_INTERVAL) -> None:
        self.redis = redis
        self.interval = interval
        self._polls: dict[tuple[str, str], _PollBatch] = {}
        self._questions: dict[str, _QuestionBatch] = {}
        self._definitions: dict[tuple[str, str], asyncio.Future[polls.PollDef | None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def definition(self, slug: str, poll_id: str) -> polls.PollDef | None:
        """A poll's question, type and options (they never change: read once, by one
        request however many phones ask at the same moment)."""
        key = (slug, poll_id)
        reading = self._definitions.get(key)
        if reading is not None and reading.done() and not reading.exception():
            return reading.result()  # the common case, without a shield per vote
        if reading is None:
            if len(self._definitions) >= MAX_DEFINITIONS:
                self._definitions.clear()
            reading = self._definitions[key] = asyncio.ensure_future(
                polls.definition(self.redis, slug, poll_id))
        try:
            found = await asyncio.shield(reading)
        except BaseException:
            self._definitions.pop(key, None)  # a failed read is tried again next time
            raise
        if found is None:
            self._definitions.pop(key, None)  # unknown now: it may be created later
        return found

    def vote_poll(self, slug: str, poll_id: str, voter: str, choice: str,
                  held: bool = False) -> asyncio.Future[None]:
        """Queue a ballot; the future ends once it is stored (PollRefused: not open)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(retrieved)
        self._queue(slug, poll_id, voter, choice, held, waiter)
        return waiter

    def offer_poll_vote(self, slug: str, poll_id: str, voter: str, choice: str, held: bool,
                        answer: Answer) -> None:
        """Queue a ballot from a socket; `answer` is called by the flush that stores it."""
        self._queue(slug, poll_id, voter, choice, held, answer)

    def _queue(self, slug: str, poll_id: str, voter: str, choice: str, held: bool,
               waiter: asyncio.Future[None] | Answer) -> None:
        batch = self._polls.setdefault((slug, poll_id), _PollBatch())
        batch.ballots.pop(voter, None)  # re-inserted last: the batch keeps arrival order
        batch.ballots[voter] = (choice, held)
        batch.waiters.append(waiter)
        self._wake.set()

    def vote_question(self, slug: str, question_id: str, voter: str) -> asyncio.Future[int]:
        """Queue an upvote; the future gives the question's votes once stored (-1: it is
        not an approved question)."""
        batch = self._questions.setdefault(slug, _QuestionBatch())
        batch.pairs.append((question_id, voter))
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        batch.waiters.append(waiter)
        self._wake.set()
        return waiter

    async def flush(self) -> None:
        """Write every batch gathered so far: one script per poll and per event."""
        poll_batches, self._polls = self._polls, {}
        question_batches, self._questions = self._questions, {}
        for (slug, poll_id), batch in poll_batches.items():
            await self._flush_poll(slug, poll_id, batch)
        for slug, qbatch in question_batches.items():
            await self._flush_questions(slug, qbatch)

    async def _flush_poll(self, slug: str, poll_id: str, batch: _PollBatch) -> None:
        try:
            status = await polls.add_votes(self.redis, slug, poll_id,
                                           [(v, c, h) for v, (c, h) in batch.ballots.items()])
        except StoreError:
            log.warning("votes for %s kept in memory: Redis unreachable", slug)
            later = self._polls.setdefault((slug, poll_id), _PollBatch())
            later.ballots = {**batch.ballots, **later.ballots}
            later.waiters = batch.waiters + later.waiters
            return
        for waiter in batch.waiters:
            if not isinstance(waiter, asyncio.Future):
                try:
                    waiter(status)
                except Exception:  # noqa: BLE001 - one socket's answer must not stop the rest
                    log.exception("answering a vote failed")
            elif waiter.done():
                continue
            elif status == "ok":
                waiter.set_result(None)
            else:
                waiter.set_exception(PollRefused(status))

    async def _flush_questions(self, slug: str, batch: _QuestionBatch) -> None:
        try:
            counts = await questions.add_votes(self.redis, slug, batch.pairs)
        except StoreError:
            log.warning("upvotes for %s kept in memory: Redis unreachable", slug)
            later = self._questions.setdefault(slug, _QuestionBatch())
            later.pairs = batch.pairs + later.pairs
            later.waiters = batch.waiters + later.waiters
            return
        for waiter, count in zip(batch.waiters, counts, strict=True):
            if not waiter.done():
                waiter.set_result(count)

    async def _run(self) -> None:
        pause = self.interval
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(pause)  # gather what arrives meanwhile
            await self.flush()
            if self._polls or self._questions:  # kept after a failure: try again, slower
                pause = min(pause * 2, 1.0)
                self._wake.set()
            else:
                pause = self.interval

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="vote-flush")

    async def stop(self) -> None:
        if self._task:
            await cancel_and_wait(self._task)
        await self.flush()


def retrieved(waiter: asyncio.Future[None]) -> None:
    """A done callback that reads a future's exception, so an unawaited refusal (a vote
    sent on a socket that left) is not logged as never retrieved."""
    if not waiter.cancelled():
        waiter.exception()

