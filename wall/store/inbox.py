"""Store received items once: the inbox stream, the item bodies and the pending queue.

De-duplication on (source, source_id) happens inside one Lua script with the insert, so a
provider retry, a reconnecting connector or two ingest processes never store an item twice
(a web post's id is the phone's own, so it is scoped by its author: `Item.dedupe_key`).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from wall.models import Item
from wall.store import keys
from wall.store.batch import BatchedScript
from wall.store.client import Client
from wall.store.limits import FRAGMENT as RATE_LIMITS
from wall.store.limits import LimitPlan
from wall.store.scripts import LuaScript

INBOX_MAXLEN = 200_000

_INSERT = RATE_LIMITS + """
if ARGV[9] ~= '' then
  -- The event's live status, for a post whose process does not follow the event: read
  -- here, it saves a round trip per post. ARGV[9]: the status assumed if the meta is gone.
  local status = redis.call('HGET', KEYS[7], 'status') or ARGV[9]
  if status == 'closed' or status == 'draft' then return {-1, status} end
end
if #KEYS > 7 then
  -- Rate limits (wall/store/limits.py): KEYS[8..], ARGV[10] the cost, then a count and a
  -- window per key.
  local wait = rate_wait(8, 10)
  if wait > 0 then return {-2, wait} end
end
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {0, existing} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*',
           'id', ARGV[2], 'source', ARGV[4], 'source_id', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[2], 'pending')
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[2])
if ARGV[8] == '' then return {1, ARGV[2]} end
-- The author's flags, for the rules: read here, it saves a round trip per item.
local flags = redis.call('HMGET', KEYS[6], ARGV[8] .. '|banned', ARGV[8] .. '|trusted')
return {1, ARGV[2], flags[1] or '', flags[2] or ''}
"""
_INSERT_SCRIPT = LuaScript(_INSERT)
# Posts arriving together go to Redis as one call (wall/store/batch.py).
_INSERT_BATCHED = BatchedScript(_INSERT_SCRIPT)


@dataclass
class Inserted:
    id: str
    created: bool
    # The author's flags ({"banned", "trusted"}) as the insert read them; None without an
    # author key or for a duplicate.
    flags: dict[str, bool] | None = None
    # With `check_status`: the event's status ("closed" or "draft") when it refused the item.
    refused: str = ""
    # With `limits`: the wait (ms) when a rate limit refused the item.
    wait_ms: int = 0


@functools.lru_cache(maxsize=1024)
def _insert_keys(slug: str) -> tuple[str, ...]:
    """The insert script's keys for an event, written once per event, not per post."""
    return (keys.seen(slug), keys.inbox(slug), keys.items(slug), keys.state(slug),
            keys.pending(slug), keys.authors(slug), keys.meta(slug))


async def insert_item(redis: Client, item: Item, check_status: str = "",
                      limits: LimitPlan | None = None) -> Inserted:
    """Put `item` in the inbox and the pending queue, unless its source id was seen.

    `check_status` (non-empty): first read the event's status and refuse the item (nothing
    stored) when it is closed or still a draft; the value stands in if the event is gone.
    `limits` (`RateLimiter.plan`): then count them, and refuse the item past one.
    """
    rate_keys, rate_args = (limits.keys, limits.args) if limits else ([], [])
    created, item_id, *flags = await _INSERT_BATCHED(
        redis, [*_insert_keys(item.event), *rate_keys],
        [item.dedupe_key(), item.id, item.to_json(), item.source,
         item.source_id, INBOX_MAXLEN, int(time.time() * 1000), item.author_key or "",
         check_status, *rate_args],
    )
    if int(created) == -1:
        return Inserted("", False, refused=str(item_id))
    if int(created) == -2:
        return Inserted("", False, wait_ms=int(item_id))
    known = {"banned": flags[0] == "1", "trusted": flags[1] == "1"} if flags else None
    return Inserted(str(item_id), bool(created), known)


async def get_item(redis: Client, slug: str, item_id: str) -> Item | None:
    raw = await redis.hget(keys.items(slug), item_id)
    return Item.from_json(raw) if raw else None


async def get_items(redis: Client, slug: str, ids: list[str]) -> list[Item]:
    if not ids:
        return []
    raws = await redis.hmget(keys.items(slug), ids)
    return [Item.from_json(r) for r in raws if r]


async def pending_items(redis: Client, slug: str, limit: int = 500) -> list[Item]:
    """Pending items, oldest first."""
    ids = await redis.zrange(keys.pending(slug), 0, limit - 1)
    return await get_items(redis, slug, ids)


async def item_state(redis: Client, slug: str, item_id: str) -> str | None:
    value = await redis.hget(keys.state(slug), item_id)
    return str(value) if value is not None else None
