"""Apply a moderation decision atomically (one Lua script) and record it in feed and audit.

Two moderators deciding one item at the same moment: the script runs once at a time, so the
first wins and the second sees the item's new state and gets a conflict naming who decided.
The same script keeps how many items are approved and rejected now (the `counts` hash, for
the desk's counters), so nobody has to scan every item's state to know.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from wall.models import ACTIONS, utc_now_iso
from wall.store import keys
from wall.store.client import Client
from wall.store.scripts import LuaScript

FEED_MAXLEN = 5_000

# Every script that changes or drops an item's state keeps the counts with these.
# `counts_ready(s, c)`: the counts hash KEYS[c], made once from the states KEYS[s] for an
# event from before counts were kept. `recount(c, from, to)`: an item went from one state
# to another ("" for none).
COUNTS = """
local function counts_ready(s, c)
  if redis.call('EXISTS', KEYS[c]) == 1 then return end
  local a, r = 0, 0
  for _, v in ipairs(redis.call('HVALS', KEYS[s])) do
    if v == 'approved' then a = a + 1 elseif v == 'rejected' then r = r + 1 end
  end
  redis.call('HSET', KEYS[c], 'approved', a, 'rejected', r)
end
local function recount(c, from, to)
  if from == to then return end
  if from == 'approved' or from == 'rejected' then redis.call('HINCRBY', KEYS[c], from, -1) end
  if to == 'approved' or to == 'rejected' then redis.call('HINCRBY', KEYS[c], to, 1) end
end
"""

# KEYS: state decisions pending onwall pinned feed feed-floor audit items authors counts
# ARGV: id action by at expected rule maxlen now_ms
#
# The feed carries ids only: an `item`, `pin` or `reveal` entry names the item, and whoever
# sends it (the hub, a replay) reads the body from the items hash and skips an item that is
# no longer on the wall — so a take-down leaves no text in any public frame, from any
# position. `reveal` is the one decision that changes a body: it turns `"revealed":false`
# into true (the body is our own compact JSON, where that key-value text can only be the
# key itself: quotes inside strings are escaped).
_DECIDE = COUNTS + """
local id, action, by, at, expected, rule = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local maxlen, now_ms = tonumber(ARGV[7]), ARGV[8]
local st = redis.call('HGET', KEYS[1], id)
if not st then return {'missing'} end
local function conflict()
  return {'conflict', st, redis.call('HGET', KEYS[2], id) or ''}
end
local body = redis.call('HGET', KEYS[9], id)
-- Withdrawn by its author (wall/routes/authors.py): nobody puts it back.
local last = redis.call('HGET', KEYS[2], id)
if last and string.find(last, '"rule":"withdrawn"', 1, true)
    and (action == 'approve' or action == 'restore') then return conflict() end
local new_state, feed = st, nil
local pinned = redis.call('GET', KEYS[5])
if action == 'approve' then
  if st == 'pending' or (expected == st and (st == 'rejected' or st == 'retracted')) then
    new_state, feed = 'approved', 'item'
  else return conflict() end
elseif action == 'reject' then
  if st == 'pending' then new_state = 'rejected' else return conflict() end
elseif action == 'restore' then
  if st == 'rejected' and expected == st then new_state = 'pending' else return conflict() end
elseif action == 'unapprove' then
  -- An approval undone: off the wall (walls get `retract`), back in the queue.
  if st == 'approved' then new_state, feed = 'pending', 'retract' else return conflict() end
elseif action == 'retract' then
  if st == 'approved' then new_state, feed = 'retracted', 'retract' else return conflict() end
elseif action == 'pin' then
  if st == 'approved' and pinned ~= id then feed = 'pin' else return conflict() end
elseif action == 'unpin' then
  if pinned == id then feed = 'unpin' else return conflict() end
elseif action == 'highlight' then
  if st == 'approved' then feed = 'highlight' else return conflict() end
elseif action == 'unhighlight' then
  if st == 'approved' then feed = 'unhighlight' else return conflict() end
elseif action == 'reveal' then
  local hidden = body and string.find(body, '"sensitive":true', 1, true)
      and not string.find(body, '"revealed":true', 1, true)
  if hidden and (st == 'pending' or st == 'approved') then
    local shown, n = string.gsub(body, '"revealed":false', '"revealed":true', 1)
    if n == 0 then shown = string.sub(body, 1, -2) .. ',"revealed":true}' end
    redis.call('HSET', KEYS[9], id, shown)
    if st == 'approved' then feed = 'reveal' end
  else return conflict() end
else
  return {'bad-action'}
end
local decision = cjson.encode({action = action, by = by, at = at, rule = rule, id = id})
counts_ready(1, 11)
recount(11, st, new_state)
redis.call('HSET', KEYS[1], id, new_state)
redis.call('HSET', KEYS[2], id, decision)
if new_state == 'approved' and st ~= 'approved' then
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[4], now_ms, id)
elseif new_state == 'rejected' then
  redis.call('ZREM', KEYS[3], id)
elseif new_state == 'pending' and st ~= 'pending' then
  redis.call('ZADD', KEYS[3], now_ms, id)
end
if st == 'approved' and new_state ~= 'approved' then
  redis.call('ZREM', KEYS[4], id)
  if pinned == id then redis.call('DEL', KEYS[5]) end
end
local ok, parsed = pcall(cjson.decode, body or '{}')
local author = ok and parsed['author_key'] or nil
if author and author ~= cjson.null and author ~= '' then
  local function credit(field, by_n)
    local f = author .. '|' .. field
    if by_n > 0 or tonumber(redis.call('HGET', KEYS[10], f) or '0') > 0 then
      redis.call('HINCRBY', KEYS[10], f, by_n)
    end
  end
  if action == 'approve' then credit('approved', 1) end
  if action == 'reject' and rule ~= 'withdrawn' then credit('rejected', 1) end
  -- Undone decisions no longer count in the author's record.
  if action == 'unapprove' then credit('approved', -1) end
  if action == 'restore' then credit('rejected', -1) end
end
local position = ''
if feed then
  if feed == 'pin' then redis.call('SET', KEYS[5], id) end
  if feed == 'unpin' then redis.call('DEL', KEYS[5]) end
  position = redis.call('XADD', KEYS[6], '*', 'type', feed, 'id', id)
  local len = redis.call('XLEN', KEYS[6])
  if len > maxlen then
    local old = redis.call('XRANGE', KEYS[6], '-', '+', 'COUNT', len - maxlen)
    redis.call('SET', KEYS[7], old[#old][1])
    redis.call('XTRIM', KEYS[6], 'MAXLEN', maxlen)
  end
end
redis.call('XADD', KEYS[8], 'MAXLEN', '~', 100000, '*', 'id', id, 'action', action,
           'by', by, 'at', at, 'rule', rule, 'from', st, 'to', new_state, 'position', position)
return {'ok', new_state, position}
"""
_DECIDE_SCRIPT = LuaScript(_DECIDE)

# KEYS: state counts ; ARGV: item ids. Drops their states (erasure), counts kept.
_FORGET = LuaScript(COUNTS + """
counts_ready(1, 2)
local n = 0
for _, id in ipairs(ARGV) do
  local st = redis.call('HGET', KEYS[1], id)
  if st then
    recount(2, st, '')
    n = n + redis.call('HDEL', KEYS[1], id)
  end
end
return n
""")

# KEYS: state counts pending ; the kept counts and the queue length.
_COUNTS = LuaScript(COUNTS + """
counts_ready(1, 2)
local kept = redis.call('HMGET', KEYS[2], 'approved', 'rejected')
return {tonumber(kept[1]) or 0, tonumber(kept[2]) or 0, redis.call('ZCARD', KEYS[3])}
""")


@dataclass
class Outcome:
    """What a decision did: `ok`, or why not (`missing`, `conflict`, `bad-action`)."""

    status: str
    state: str = ""
    position: str = ""
    previous: dict[str, str] | None = None


async def decide(redis: Client, slug: str, item_id: str, action: str, by: str,
                 expected: str = "", rule: str = "", feed_maxlen: int = FEED_MAXLEN) -> Outcome:
    if action not in ACTIONS:
        return Outcome("bad-action")
    reply = await _DECIDE_SCRIPT(
        redis,
        [keys.state(slug), keys.decisions(slug), keys.pending(slug), keys.onwall(slug),
         keys.pinned(slug), keys.feed(slug), keys.feed_floor(slug), keys.audit(slug),
         keys.items(slug), keys.authors(slug), keys.counts(slug)],
        [item_id, action, by, utc_now_iso(), expected, rule, feed_maxlen,
         int(time.time() * 1000)],
    )
    status = reply[0]
    if status == "ok":
        return Outcome("ok", reply[1], reply[2])
    if status == "conflict":
        previous = json.loads(reply[2]) if reply[2] else None
        return Outcome("conflict", reply[1], previous=previous)
    return Outcome(status)


async def last_decision(redis: Client, slug: str, item_id: str) -> dict[str, str] | None:
    raw = await redis.hget(keys.decisions(slug), item_id)
    return json.loads(raw) if raw else None


async def counts(redis: Client, slug: str) -> dict[str, int]:
    """How many items are pending, approved and rejected now (one round trip, no scan)."""
    approved, rejected, pending = await _COUNTS(
        redis, [keys.state(slug), keys.counts(slug), keys.pending(slug)], [])
    return {"pending": int(pending), "approved": int(approved), "rejected": int(rejected)}


async def forget_states(redis: Client, slug: str, ids: list[str]) -> int:
    """Drop the states of `ids` (erasure), keeping the counts true; how many were dropped."""
    if not ids:
        return 0
    return int(await _FORGET(redis, [keys.state(slug), keys.counts(slug)], ids))
