"""Erasure and retention: forget one author entirely, trim what is kept past its purpose.

An author is found by the identity the store keeps (the `author_key` of their items, e.g.
`sms:<keyed hash of the phone>`) or by the name shown on the wall. Their items are first
retracted (so walls take them down live), then every key of the event is swept: a hash
field, set member, stream entry or string that mentions one of their item ids or author
keys is deleted — which also covers keys added by other parts (SMS nicknames, rate
limits...) without this module knowing them. In the feed, bare `retract` entries stay: they
carry only an id, and walls reconnecting with `?after=` need them to drop the item. Item
states are dropped by the decision module's script, which keeps the desk's counts true.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from wall.models import Item
from wall.moderation.text import normalise_name
from wall.store import keys
from wall.store.client import Client
from wall.store.decisions import decide, forget_states

ERASER = "erasure"
BATCH = 1000
_KEEP = ("meta", "tokens", "counts")  # settings, credentials, totals: never about an author


@dataclass
class Erasure:
    """What an erasure found and removed."""

    item_ids: set[str] = field(default_factory=set)
    author_keys: set[str] = field(default_factory=set)
    retracted: int = 0
    removed: int = 0  # hash fields, members, stream entries and keys deleted


async def find_author(redis: Client, slug: str, who: str) -> Erasure:
    """Items whose author key is `who`, or whose displayed name is `who` (and all items of
    the author keys those carry)."""
    wanted = normalise_name(who).casefold()
    found = Erasure()
    bodies: dict[str, Item] = {}
    async for item_id, raw in redis.hscan_iter(keys.items(slug), count=BATCH):
        item = Item.from_json(raw)
        bodies[item_id] = item
        if item.author_key == who or (wanted and item.author.casefold() == wanted):
            found.item_ids.add(item_id)
            if item.author_key:
                found.author_keys.add(item.author_key)
    found.item_ids |= {i for i, it in bodies.items() if it.author_key in found.author_keys}
    if not found.item_ids and ":" in who:
        found.author_keys.add(who)  # an author with flags or nicknames but no item left
    return found


async def erase_author(redis: Client, slug: str, who: str) -> Erasure:
    """Take down and forget everything from one author; what was removed."""
    found = await find_author(redis, slug, who)
    for item_id in sorted(found.item_ids):
        if (await decide(redis, slug, item_id, "retract", by=ERASER)).status == "ok":
            found.retracted += 1
    markers = found.item_ids | found.author_keys
    markers |= {k.partition(":")[2] for k in found.author_keys if len(k.partition(":")[2]) >= 8}
    if markers:
        found.removed = await sweep(redis, slug, markers)
    return found


def _mentions(markers: set[str], *values: str) -> bool:
    return any(m in v for v in values for m in markers)


async def sweep(redis: Client, slug: str, markers: set[str]) -> int:
    """Delete from every key of the event whatever mentions one of `markers`."""
    prefix = keys.event_prefix(slug)
    removed = 0
    async for key in redis.scan_iter(match=f"{prefix}*", count=BATCH):
        name = key[len(prefix):]
        if name in _KEEP:
            continue
        if _mentions(markers, name):
            removed += await redis.delete(key)
            continue
        if name == "state":
            doomed = [f async for f, _ in redis.hscan_iter(key, count=BATCH)
                      if _mentions(markers, f)]
            removed += await forget_states(redis, slug, doomed)
            continue
        kind = await redis.type(key)
        removed += await _SWEEPERS.get(kind, _skip)(redis, key, markers, name == "feed")
    return removed


async def _skip(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    return 0


async def _sweep_string(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    value = await redis.get(key)
    return await redis.delete(key) if value and _mentions(markers, value) else 0


async def _sweep_hash(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [f async for f, v in redis.hscan_iter(key, count=BATCH) if _mentions(markers, f, v)]
    return await redis.hdel(key, *doomed) if doomed else 0


async def _sweep_set(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [m async for m in redis.sscan_iter(key, count=BATCH) if _mentions(markers, m)]
    return await redis.srem(key, *doomed) if doomed else 0


async def _sweep_zset(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [m async for m, _ in redis.zscan_iter(key, count=BATCH) if _mentions(markers, m)]
    return await redis.zrem(key, *doomed) if doomed else 0


async def _sweep_list(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    removed = 0
    for value in {v for v in await redis.lrange(key, 0, -1) if _mentions(markers, v)}:
        removed += int(await redis.lrem(key, 0, value))
    return removed


async def _sweep_stream(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    removed, start = 0, "-"
    while True:
        batch = await redis.xrange(key, min=start, max="+", count=BATCH)
        doomed = [entry_id for entry_id, fields in batch
                  if _mentions(markers, *fields.values())
                  and not (feed and fields.get("type") == "retract")]
        if doomed:
            removed += await redis.xdel(key, *doomed)
        if len(batch) < BATCH:
            return removed
        start = f"({batch[-1][0]}"


_SWEEPERS: dict[str, Callable[[Client, str, set[str], bool], Awaitable[int]]] = {
    "string": _sweep_string, "hash": _sweep_hash, "set": _sweep_set, "zset": _sweep_zset,
    "list": _sweep_list, "stream": _sweep_stream,
}


@dataclass
class Retention:
    inbox_trimmed: int
    rejected_forgotten: int


async def apply_retention(redis: Client, slug: str, days: float,
                          now: datetime | None = None) -> Retention:
    """Trim raw inbox entries older than `days`, and the text of items rejected that long ago
    (their state, decision and audit entry stay, as a record without content)."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    cutoff_ms = int(cutoff.timestamp() * 1000)
    trimmed = await redis.xtrim(keys.inbox(slug), minid=f"{cutoff_ms}-0", approximate=False)
    cutoff_iso = cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rejected = [i async for i, s in redis.hscan_iter(keys.state(slug), count=BATCH)
                if s == "rejected"]
    old = []
    for item_id, raw in zip(rejected, await redis.hmget(keys.items(slug), rejected)
                            if rejected else [], strict=True):
        if raw and Item.from_json(raw).received_at < cutoff_iso:
            old.append(item_id)
    forgotten = await redis.hdel(keys.items(slug), *old) if old else 0
    return Retention(int(trimmed), int(forgotten))
