"""What the store keeps for SMS senders (keyed hashes, never numbers): the parts of a
concatenated message until the last arrives, STOP opt-outs and chosen nicknames."""

from __future__ import annotations

import json

from wall.store import keys
from wall.store.client import Client
from wall.store.scripts import LuaScript

# KEYS: the parts hash; ARGV: part number, part JSON, total, ttl (s). Stores one part; when
# all are there, returns them all (part, JSON, part, JSON...) and forgets them.
_PARTS = LuaScript("""
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  local all = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  return all
end
return {}
""")


async def reassemble(redis: Client, slug: str, sender: str, ref: str, part: int, total: int,
                     message_id: str, text: str, ttl: int) -> tuple[str, str] | None:
    """Keep one part of a concatenated SMS for `ttl` seconds; once all `total` arrived,
    (message id of part 1, whole text); None before."""
    raw = await _PARTS(redis, [keys.sms_parts(slug, sender, ref)],
                       [part, json.dumps({"id": message_id, "text": text}), total, ttl])
    if not raw:
        return None
    parts = {int(raw[i]): json.loads(raw[i + 1]) for i in range(0, len(raw), 2)}
    ordered = [parts[n] for n in sorted(parts)]
    return ordered[0]["id"], "".join(p["text"] for p in ordered)


async def set_opted_out(redis: Client, slug: str, sender: str, out: bool) -> None:
    """Remember a STOP (`out`) or forget it after a START."""
    if out:
        await redis.hset(keys.sms_optout(slug), sender, "1")
    else:
        await redis.hdel(keys.sms_optout(slug), sender)


async def opted_out(redis: Client, slug: str, sender: str) -> bool:
    return bool(await redis.hexists(keys.sms_optout(slug), sender))


async def set_nickname(redis: Client, slug: str, sender: str, name: str) -> None:
    await redis.hset(keys.sms_names(slug), sender, name)


async def nickname(redis: Client, slug: str, sender: str) -> str:
    """The name the sender chose with `NOM ...`, "" when none."""
    return str(await redis.hget(keys.sms_names(slug), sender) or "")
