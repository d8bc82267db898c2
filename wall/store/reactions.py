"""Reaction taps written to Redis: totals, the per-minute timeline and the delta stream the
hubs read, each write one script, idempotent by its id.

- `apply_batch`: a server process's batch of socket taps (wall/live/reactions.py), sent
  about ten times a second. Its id is (process, sequence number): the script records the
  last sequence applied per process, so a batch sent again after an ambiguous failure
  (applied, but the answer lost) is not counted twice. Each part of a batch carries its
  minute and, when limits apply, the rate-limit windows of one device and address: the
  script admits what fits in them, counts it there and drops the rest.
- `add_checked`: one HTTP request's taps, counted against its limits and written before
  the `202` answer, so an acknowledged tap is in Redis. A `batch` id the client chose makes
  a retried request count once.
- `add_reactions`: unchecked taps stamped now (seeding and imports).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from wall.store import keys
from wall.store.client import Client
from wall.store.limits import FRAGMENT as RATE_LIMITS
from wall.store.limits import LimitPlan
from wall.store.scripts import LuaScript

RX_STREAM_MAXLEN = 2_000
# How long Redis remembers the last batch applied per process, and a client's batch id.
APPLIED_TTL = 86_400
CLIENT_BATCH_TTL = 600

# `write_taps(per_minute, delta)`: KEYS[1] totals, KEYS[2] "minute|kind" counts, KEYS[3] the
# delta stream (ARGV[3]: its approximate length); nothing when the delta is empty.
_WRITE = """
local function write_taps(per_minute, delta, maxlen)
  local any = false
  for field, n in pairs(per_minute) do redis.call('HINCRBY', KEYS[2], field, n) end
  for kind, n in pairs(delta) do
    redis.call('HINCRBY', KEYS[1], kind, n)
    any = true
  end
  if any then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', 'delta', cjson.encode(delta))
  end
end
"""

# KEYS: totals, minutes, stream, applied (hash: process -> last sequence), rate keys...
# ARGV: process ('' = no idempotency), sequence, applied ttl, stream length, parts (JSON
# [[minute, [[kind, n]...], [[rate key index, count, window s]...]]...]).
# Returns {1, delta JSON, taps refused by a limit, parts cut} or {0} for a replayed batch.
_BATCH = LuaScript(_WRITE + """
if ARGV[1] ~= '' then
  local seq = tonumber(ARGV[2])
  if seq <= tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') then return {0} end
  redis.call('HSET', KEYS[4], ARGV[1], seq)
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
local per_minute, delta, refused, cut = {}, {}, 0, 0
for _, part in ipairs(cjson.decode(ARGV[5])) do
  local minute, counts, limits = part[1], part[2], part[3]
  local want = 0
  for _, c in ipairs(counts) do want = want + c[2] end
  local allow = want
  for _, l in ipairs(limits) do
    local room = l[2] - tonumber(redis.call('GET', KEYS[l[1]]) or '0')
    if room < allow then allow = room end
  end
  if allow < 0 then allow = 0 end
  if allow > 0 then
    for _, l in ipairs(limits) do
      if redis.call('INCRBY', KEYS[l[1]], allow) == allow then
        redis.call('PEXPIRE', KEYS[l[1]], l[3] * 1000)
      end
    end
  end
  if allow < want then
    refused = refused + want - allow
    cut = cut + 1
  end
  for _, c in ipairs(counts) do
    local take = math.min(c[2], allow)
    allow = allow - take
    if take > 0 then
      local f = minute .. '|' .. c[1]
      per_minute[f] = (per_minute[f] or 0) + take
      delta[c[1]] = (delta[c[1]] or 0) + take
    end
  end
end
write_taps(per_minute, delta, ARGV[4])
return {1, cjson.encode(delta), refused, cut}
""")

# KEYS: totals, minutes, stream, client batch key, rate keys (wall/store/limits.py)...
# ARGV: has a batch id ('1'/''), its ttl, stream length, minute, counts JSON [[kind, n]...],
# then the rate-limit plan (cost, count and window per rate key).
# Returns the taps accepted: all, or 0 past a limit; a replayed batch, what it got first.
_CHECKED = LuaScript(RATE_LIMITS + _WRITE + """
if ARGV[1] ~= '' then
  local seen = redis.call('GET', KEYS[4])
  if seen then return tonumber(seen) end
end
local accepted = 0
if #KEYS == 4 or rate_wait(5, 6) == 0 then
  local per_minute, delta = {}, {}
  for _, c in ipairs(cjson.decode(ARGV[5])) do
    per_minute[ARGV[4] .. '|' .. c[1]] = c[2]
    delta[c[1]] = c[2]
    accepted = accepted + c[2]
  end
  write_taps(per_minute, delta, ARGV[3])
end
if ARGV[1] ~= '' then redis.call('SET', KEYS[4], accepted, 'EX', ARGV[2]) end
return accepted
""")


@dataclass
class Part:
    """Taps of one minute; with `limits` (rate key, count, window s), only what those
    windows still allow is counted (the taps of one device and address)."""

    minute: int
    counts: dict[str, int]
    limits: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Applied:
    """What a batch did: nothing if it was a replay, else the delta counted and the taps
    (and parts) a limit refused."""

    replay: bool
    delta: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    cut: int = 0


def _fixed(slug: str) -> list[str]:
    return [keys.reactions(slug), keys.reactions_timeline(slug), keys.reactions_stream(slug)]


async def apply_batch(redis: Client, slug: str, process: str, seq: int,
                      parts: list[Part]) -> Applied:
    """Write one batch of `process` (sequence `seq`, increasing), once."""
    rate_keys: dict[str, int] = {}
    payload = []
    for part in parts:
        limits = [[rate_keys.setdefault(key, 5 + len(rate_keys)), count, window]
                  for key, count, window in part.limits]
        payload.append([str(part.minute), [[k, n] for k, n in part.counts.items() if n > 0],
                        limits])
    reply = await _BATCH(
        redis, [*_fixed(slug), keys.reactions_applied(slug), *rate_keys],
        [process, seq, APPLIED_TTL, RX_STREAM_MAXLEN, json.dumps(payload)])
    if not int(reply[0]):
        return Applied(replay=True)
    delta = {k: int(v) for k, v in json.loads(reply[1]).items()}
    return Applied(False, delta, int(reply[2]), int(reply[3]))


async def add_checked(redis: Client, slug: str, counts: dict[str, int],
                      limits: LimitPlan | None, batch: str = "", scope: str = "",
                      minute: int | None = None) -> int:
    """Count one request's taps against `limits` and write them (all or none); the taps
    accepted. `batch` (unique per client `scope`): a request sent again counts once."""
    plan_keys, plan_args = (limits.keys, limits.args) if limits else ([], [])
    minute = int(time.time() // 60) if minute is None else minute
    return int(await _CHECKED(
        redis,
        [*_fixed(slug), keys.reactions_batch(slug, scope, batch), *plan_keys],
        ["1" if batch else "", CLIENT_BATCH_TTL, RX_STREAM_MAXLEN, str(minute),
         json.dumps([[k, n] for k, n in counts.items()]), *(plan_args or [0])]))


async def add_reactions(redis: Client, slug: str, delta: dict[str, int]) -> None:
    """Add `delta` now, unchecked and not idempotent (seeding, imports)."""
    await apply_batch(redis, slug, "", 0, [Part(int(time.time() // 60), delta)])


async def totals(redis: Client, slug: str) -> dict[str, int]:
    return {k: int(v) for k, v in (await redis.hgetall(keys.reactions(slug))).items()}
