"""Questions: which items are questions, their upvotes (one per device) and their answers.

Every question is a member of the event's `questions` sorted set, scored by its upvotes,
from the moment it arrives (any state: the list shown keeps the approved ones). Upvotes are
written in batches (wall/live/votes.py gathers them): one script per batch checks each
question is approved, counts a device once (`question-voters`), and names the questions
whose counts moved in the `asks` stream, which the hub turns into `votes` frames.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from wall.models import Item, utc_now_iso
from wall.store import keys
from wall.store.client import Client
from wall.store.scripts import LuaScript

ASKS_MAXLEN = 2_000
CHUNK = 1_000  # upvotes per script
ANSWERS = ("answered", "follow_up")

# KEYS: state questions question-voters asks ; ARGV: maxlen, then (id, voter) pairs.
# Each pair's reply: the question's votes after it (-1: not an approved question). A
# bounded number of commands per batch, not per vote: the questions' scores and states
# read once, the voters' fields once, one HSET of the new ones, one ZINCRBY per question.
_VOTE = LuaScript("""
local n = (#ARGV - 1) / 2
if n < 1 then return {} end
local ids, fields, distinct, seen = {}, {}, {}, {}
for i = 1, n do
  local id = ARGV[2 * i]
  ids[i] = id
  fields[i] = id .. '|' .. ARGV[2 * i + 1]
  if not seen[id] then seen[id] = true; distinct[#distinct + 1] = id end
end
local scores = redis.call('ZMSCORE', KEYS[2], unpack(distinct))
local states = redis.call('HMGET', KEYS[1], unpack(distinct))
local votes = {}
for j, id in ipairs(distinct) do
  if scores[j] and states[j] == 'approved' then votes[id] = tonumber(scores[j]) end
end
local voted = redis.call('HMGET', KEYS[3], unpack(fields))
local new, added, moved, out = {}, {}, {}, {}
for i = 1, n do
  local id = ids[i]
  if votes[id] == nil then
    out[i] = -1
  else
    if not voted[i] and not added[fields[i]] then
      added[fields[i]] = true
      new[#new + 1] = fields[i]
      new[#new + 1] = 1
      votes[id] = votes[id] + 1
      moved[id] = (moved[id] or 0) + 1
    end
    out[i] = votes[id]
  end
end
if #new > 0 then redis.call('HSET', KEYS[3], unpack(new)) end
local changed = {}
for id, k in pairs(moved) do
  redis.call('ZINCRBY', KEYS[2], k, id)
  changed[#changed + 1] = id
end
if #changed > 0 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[1], '*', 'type', 'votes',
             'ids', table.concat(changed, ','))
end
return out
""")

# KEYS: questions answers asks ; ARGV: id, answer JSON ('' clears), maxlen.
_ANSWER = LuaScript("""
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[2], ARGV[1])
else redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'type', 'votes', 'ids', ARGV[1])
return 1
""")

# KEYS: items questions asks ; ARGV: id, maxlen. A moderator makes an item a question.
_MARK = LuaScript("""
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'type', 'votes', 'ids', ARGV[1])
return 1
""")


@dataclass
class Question:
    """An approved question as phones, walls, the desk and the export see it."""

    id: str
    text: str
    author: str
    source: str
    received_at: str
    votes: int
    answer: str | None = None
    note: str = ""
    answered_by: str = ""
    answered_at: str = ""

    def public(self) -> dict[str, object]:
        """What `GET /questions` lists (no moderator name)."""
        return {"id": self.id, "text": self.text, "author": self.author,
                "source": self.source, "received_at": self.received_at,
                "votes": self.votes, "answer": self.answer, "note": self.note}


async def register(redis: Client, slug: str, item_id: str) -> None:
    """Count `item_id` among the event's questions (no vote yet; a repeat changes nothing)."""
    await redis.zadd(keys.questions(slug), {item_id: 0}, nx=True)


async def mark(redis: Client, slug: str, item_id: str) -> bool:
    """A moderator makes an item a question; False when there is no such item."""
    return bool(await _MARK(redis, [keys.items(slug), keys.questions(slug),
                                    keys.asks_stream(slug)], [item_id, ASKS_MAXLEN]))


async def add_votes(redis: Client, slug: str, pairs: list[tuple[str, str]]) -> list[int]:
    """Upvote each (question id, voter) once: the votes after each (-1: not an approved
    question), in one script per `CHUNK` pairs (Lua's `unpack` has a limit)."""
    out: list[int] = []
    for start in range(0, len(pairs), CHUNK):
        args: list[object] = [ASKS_MAXLEN]
        for question_id, voter in pairs[start:start + CHUNK]:
            args += [question_id, voter]
        reply = await _VOTE(redis, [keys.state(slug), keys.questions(slug),
                                    keys.question_voters(slug), keys.asks_stream(slug)], args)
        out += [int(n) for n in reply]
    return out


async def set_answer(redis: Client, slug: str, item_id: str, answer: str | None, note: str,
                     by: str) -> bool:
    """Mark a question answered or promised a follow-up (None clears it); False when the
    item is not a question."""
    value = "" if answer is None else json.dumps(
        {"answer": answer, "note": note, "by": by, "at": utc_now_iso()}, ensure_ascii=False)
    return bool(await _ANSWER(redis, [keys.questions(slug), keys.answers(slug),
                                      keys.asks_stream(slug)], [item_id, value, ASKS_MAXLEN]))


async def votes_of(redis: Client, slug: str, ids: list[str]
                   ) -> list[tuple[str, int, dict[str, str] | None]]:
    """Each question's votes and answer now (one round trip), for `votes` frames."""
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zmscore(keys.questions(slug), ids)
        pipe.hmget(keys.answers(slug), ids)
        scores, answers = await pipe.execute()
    return [(i, int(s or 0), json.loads(a) if a else None)
            for i, s, a in zip(ids, scores, answers, strict=True)]


async def approved_questions(redis: Client, slug: str) -> list[Question]:
    """Every approved question, most votes first (then oldest first)."""
    ranked = await redis.zrange(keys.questions(slug), 0, -1, withscores=True)
    if not ranked:
        return []
    ids = [i for i, _ in ranked]
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.state(slug), ids)
        pipe.hmget(keys.items(slug), ids)
        pipe.hmget(keys.answers(slug), ids)
        states, bodies, answers = await pipe.execute()
    out = []
    for (item_id, score), state, body, answer in zip(ranked, states, bodies, answers,
                                                     strict=True):
        if state != "approved" or not body:
            continue
        item = Item.from_json(body)
        extra = json.loads(answer) if answer else {}
        out.append(Question(item_id, item.text, item.author, item.source, item.received_at,
                            int(score), extra.get("answer"), extra.get("note", ""),
                            extra.get("by", ""), extra.get("at", "")))
    out.sort(key=lambda q: (-q.votes, q.received_at, q.id))
    return out
