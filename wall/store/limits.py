"""Rate limits counted in Redis: fixed windows shared by every server process.

The Lua that counts them is written once (`FRAGMENT`): the standalone script here and the
insert script (wall/store/inbox.py, which counts a post's limits before storing it: one
round trip per post) are both built from it. The policy (names, counts, windows) lives in
wall/ratelimit.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.store import keys
from wall.store.client import Client
from wall.store.scripts import LuaScript

# `rate_wait(k, a)`: count ARGV[a] (the cost) against KEYS[k..#KEYS], each with a count and a
# window (s) in ARGV[a+1..]; the longest wait (ms) past a limit, 0 when none is exceeded.
FRAGMENT = """
local function rate_wait(k, a)
  local cost, wait = tonumber(ARGV[a]), 0
  for i = k, #KEYS do
    local j = a + 1 + 2 * (i - k)
    local limit, window = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
    local n = redis.call('INCRBY', KEYS[i], cost)
    if n == cost then redis.call('PEXPIRE', KEYS[i], window * 1000) end
    if n > limit then
      local ttl = redis.call('PTTL', KEYS[i])
      if ttl > wait then wait = ttl end
    end
  end
  return wait
end
"""
_COUNT = LuaScript(FRAGMENT + "return rate_wait(1, 1)\n")


@dataclass(frozen=True)
class LimitPlan:
    """What one request counts: a key per (limit, identity); `args` is the cost, then a
    count and a window (s) per key, in the order `FRAGMENT` reads them."""

    keys: list[str]
    args: list[int]


def plan(slug: str, checks: list[tuple[str, str]], limits: dict[str, tuple[int, int]],
         cost: int = 1) -> LimitPlan:
    """The plan that counts `cost` against each (limit name, identity) of `checks`."""
    args = [cost]
    for name, _ in checks:
        args.extend(limits[name])
    return LimitPlan([keys.rate(slug, name, ident) for name, ident in checks], args)


async def count(redis: Client, limits: LimitPlan) -> int:
    """Count `limits` (one round trip); the wait in ms past one of them, else 0."""
    return int(await _COUNT(redis, limits.keys, limits.args))
