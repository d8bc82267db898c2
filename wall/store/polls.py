"""Polls: a question with 2–8 options, or a `words` prompt (a word cloud).

A poll is a hash (question, type, options, status, times); its ballots (voter -> option
index or word key) and its tally (option or word -> votes) are changed together by one
script per batch of votes (wall/live/votes.py gathers them), so the tally is always the
count of the ballots: a voter's second vote moves their one vote. At most one poll of an
event is open (`poll-open`); the one opened last stays `poll-current`, shown with its final
results once closed. Every change is named in the `asks` stream for the hub.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from wall.models import new_item_id, utc_now_iso
from wall.store import keys
from wall.store.client import Client
from wall.store.scripts import LuaScript

ASKS_MAXLEN = 2_000
CHOICE, WORDS = "choice", "words"
CHUNK = 1_000  # ballots per script

# KEYS: poll poll-open poll-current asks ; ARGV: id, now, maxlen
_OPEN = LuaScript("""
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
if status == 'open' then return {'ok', 'open'} end
local open = redis.call('GET', KEYS[2])
if open and open ~= ARGV[1] then return {'busy', open} end
redis.call('HSET', KEYS[1], 'status', 'open', 'opened_at', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'type', 'poll', 'id', ARGV[1],
           'status', 'open')
return {'ok', 'open'}
""")

# KEYS: poll poll-open asks ; ARGV: id, now, maxlen
_CLOSE = LuaScript("""
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
if status == 'closed' then return {'ok', 'closed'} end
if status ~= 'open' then return {'conflict', status} end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'type', 'poll', 'id', ARGV[1],
           'status', 'closed')
return {'ok', 'closed'}
""")

# KEYS: poll ballots tally words asks ; ARGV: id, maxlen, then (voter, choice, held)
# triples, each voter once. Nothing is written unless the poll is open (its status is
# returned). A bounded number of commands per batch, not per vote: one HMGET of the
# ballots, one HSET of those that change, one HINCRBY per option (or word) that moves.
_VOTE = LuaScript("""
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'open' then return status end
local n = (#ARGV - 2) / 3
if n < 1 then return 'ok' end
local voters = {}
for i = 1, n do voters[i] = ARGV[3 * i] end
local old = redis.call('HMGET', KEYS[2], unpack(voters))
local changed, delta, held = {}, {}, {}
for i = 1, n do
  local choice = ARGV[3 * i + 1]
  if old[i] ~= choice then
    changed[#changed + 1] = voters[i]
    changed[#changed + 1] = choice
    if old[i] then delta[old[i]] = (delta[old[i]] or 0) - 1 end
    delta[choice] = (delta[choice] or 0) + 1
  end
  if ARGV[3 * i + 2] == '1' then held[choice] = true end
end
if #changed > 0 then redis.call('HSET', KEYS[2], unpack(changed)) end
for choice, d in pairs(delta) do
  if d ~= 0 then redis.call('HINCRBY', KEYS[3], choice, d) end
end
for choice in pairs(held) do redis.call('HSETNX', KEYS[4], choice, 'held') end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[2], '*', 'type', 'poll', 'id', ARGV[1])
return 'ok'
""")


@dataclass(frozen=True)
class PollDef:
    """What never changes once a poll is made: its question, type and options."""

    id: str
    question: str
    type: str
    options: tuple[str, ...]


class PollError(Exception):
    """Open or close refused: `reason` is missing, busy (`other` is open) or conflict."""

    def __init__(self, reason: str, other: str = "") -> None:
        super().__init__(reason)
        self.reason, self.other = reason, other


async def create_poll(redis: Client, slug: str, question: str, kind: str,
                      options: list[str], by: str) -> str:
    """A new poll (not open yet); its id."""
    poll_id = new_item_id()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.poll(slug, poll_id), mapping={
            "id": poll_id, "question": question, "type": kind,
            "options": json.dumps(options, ensure_ascii=False), "status": "draft",
            "created_at": utc_now_iso(), "by": by})
        pipe.zadd(keys.polls(slug), {poll_id: int(time.time() * 1000)})
        await pipe.execute()
    return poll_id


async def open_poll(redis: Client, slug: str, poll_id: str) -> None:
    """Open a poll (again); PollError when it is unknown or another one is open."""
    status, other = await _OPEN(redis, [keys.poll(slug, poll_id), keys.poll_open(slug),
                                        keys.poll_current(slug), keys.asks_stream(slug)],
                                [poll_id, utc_now_iso(), ASKS_MAXLEN])
    if status != "ok":
        raise PollError(status, other)


async def close_poll(redis: Client, slug: str, poll_id: str) -> None:
    """Close an open poll; PollError when it is unknown or was never opened."""
    status, other = await _CLOSE(redis, [keys.poll(slug, poll_id), keys.poll_open(slug),
                                         keys.asks_stream(slug)],
                                 [poll_id, utc_now_iso(), ASKS_MAXLEN])
    if status != "ok":
        raise PollError(status, other)


async def definition(redis: Client, slug: str, poll_id: str) -> PollDef | None:
    values = await redis.hmget(keys.poll(slug, poll_id), ["question", "type", "options"])
    if values[0] is None:
        return None
    return PollDef(poll_id, values[0], values[1], tuple(json.loads(values[2] or "[]")))


async def add_votes(redis: Client, slug: str, poll_id: str,
                    ballots: list[tuple[str, str, bool]]) -> str:
    """Record each (voter, choice, held by the word list) of a batch, a voter's last one
    replacing their earlier vote: "ok", else the poll's status (nothing written) or
    "missing". One script per `CHUNK` ballots (Lua's `unpack` has a limit)."""
    last = {voter: (choice, held) for voter, choice, held in ballots}  # each voter once
    items = list(last.items())
    status = "ok"
    for start in range(0, max(len(items), 1), CHUNK):
        args: list[object] = [poll_id, ASKS_MAXLEN]
        for voter, (choice, held) in items[start:start + CHUNK]:
            args += [voter, choice, "1" if held else "0"]
        status = str(await _VOTE(
            redis, [keys.poll(slug, poll_id), keys.poll_ballots(slug, poll_id),
                    keys.poll_tally(slug, poll_id), keys.poll_words(slug, poll_id),
                    keys.asks_stream(slug)], args))
        if status != "ok":
            return status
    return status


@dataclass
class PollRecord:
    """A poll as stored: its hash, its tally (positive counts only) and its word marks."""

    meta: dict[str, str]
    tally: dict[str, int]
    marks: dict[str, str]


async def record(redis: Client, slug: str, poll_id: str) -> PollRecord | None:
    """The poll's hash, tally and word marks in one round trip; None when unknown."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.poll(slug, poll_id))
        pipe.hgetall(keys.poll_tally(slug, poll_id))
        pipe.hgetall(keys.poll_words(slug, poll_id))
        meta, tally, marks = await pipe.execute()
    if not meta:
        return None
    return PollRecord(meta, {k: int(v) for k, v in tally.items() if int(v) > 0}, marks)


async def current_id(redis: Client, slug: str) -> str | None:
    """The poll opened last (open, or closed since), or None."""
    value = await redis.get(keys.poll_current(slug))
    return str(value) if value else None


async def poll_ids(redis: Client, slug: str) -> list[str]:
    """Every poll of the event, oldest first."""
    return [str(i) for i in await redis.zrange(keys.polls(slug), 0, -1)]


async def mark_words(redis: Client, slug: str, poll_id: str, forms: list[str],
                     state: str) -> None:
    """`hidden` or `shown` (allowed by a moderator) for every form of a word; the walls
    are told through the `asks` stream."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.poll_words(slug, poll_id), mapping=dict.fromkeys(forms, state))
        pipe.xadd(keys.asks_stream(slug), {"type": "poll", "id": poll_id},
                  maxlen=ASKS_MAXLEN, approximate=True)
        await pipe.execute()


async def open_id(redis: Client, slug: str) -> str | None:
    """The id of the poll open now, or None."""
    value = await redis.get(keys.poll_open(slug))
    return str(value) if value else None
