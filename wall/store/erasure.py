"""Erasure and retention: forget one author entirely, trim what is kept past its purpose.

An author is their identity, never a name or a word: the `author_key` of their items
(`sms:<keyed hash of the phone>`, `web:<keyed hash of the device>`, `mastodon:acct`...).
Names are not identities (two phones can both be shown as "SMS ···42"), and a text that
mentions someone (`@jules@piaille.fr`) is not theirs: neither ever selects what is erased.

Their items are first retracted (walls take them down live), then every key of the event is
swept for entries that *are* about them, matched exactly, never as a substring: a hash field,
member or string equal to one of their item ids or author keys (a field or member also when
it starts with one before a `|`, as in `authorkey|trusted`), a stream entry with such a
field value, a JSON value whose `id` or `author_key` is one of them, and keys whose name has
one as a `:`-separated part (SMS parts, rate-limit windows). That also covers keys added by
other parts without this module knowing them. In the feed, bare `retract` entries stay:
they carry only an id, and walls reconnecting with `?after=` need them to drop the item.
Item states are dropped by the decision module's script, which keeps the desk's counts true.

What was deleted stays in Redis's append-only file until it is rewritten: `rewrite_aof`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from wall.models import Item
from wall.moderation.text import normalise_name
from wall.store import keys
from wall.store.client import Client
from wall.store.decisions import decide, forget_states

ERASER = "erasure"
BATCH = 1000
# Settings, credentials, counts, reaction tallies and the organiser's logo file: never
# about an author (and the logo, up to 700 KB of base64, is not worth reading).
_KEEP = ("meta", "tokens", "counts", "reactions", "rx", "rx-minutes", "rx-applied", "logo")
_JSON_IDS = ("id", "author_key")


@dataclass
class Erasure:
    """What an erasure found and removed."""

    item_ids: set[str] = field(default_factory=set)
    author_keys: set[str] = field(default_factory=set)
    retracted: int = 0
    removed: int = 0  # hash fields, members, stream entries and keys deleted


async def find_author(redis: Client, slug: str, author_key: str) -> Erasure:
    """The items whose author key is exactly `author_key`."""
    found = Erasure(author_keys={author_key})
    async for item_id, raw in redis.hscan_iter(keys.items(slug), count=BATCH):
        if Item.from_json(raw).author_key == author_key:
            found.item_ids.add(item_id)
    return found


async def authors_named(redis: Client, slug: str, name: str) -> dict[str, int]:
    """Author keys whose items are shown under `name` (case-insensitive), with how many
    items each: a lookup for the operator, never a selection for erasure."""
    wanted = normalise_name(name).casefold()
    named: dict[str, int] = {}
    if not wanted:
        return named
    async for _, raw in redis.hscan_iter(keys.items(slug), count=BATCH):
        item = Item.from_json(raw)
        if item.author_key and item.author.casefold() == wanted:
            named[item.author_key] = named.get(item.author_key, 0) + 1
    return named


async def erase_author(redis: Client, slug: str, author_key: str) -> Erasure:
    """Take down and forget everything from the author `author_key`; what was removed."""
    if not author_key.strip():
        raise ValueError("an author key is required")
    found = await find_author(redis, slug, author_key)
    for item_id in sorted(found.item_ids):
        if (await decide(redis, slug, item_id, "retract", by=ERASER)).status == "ok":
            found.retracted += 1
    found.removed = await sweep(redis, slug, found.item_ids | found.author_keys)
    return found


def _json_names(markers: set[str], value: str) -> bool:
    """`value` is JSON naming a marker as its `id` or `author_key` (an item body, a feed
    entry's item) or as an element (a list of ids)."""
    if not value.startswith(("{", "[")):
        return False
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        return False
    if isinstance(parsed, dict):
        return any(parsed.get(k) in markers for k in _JSON_IDS if isinstance(parsed.get(k), str)) \
            or (isinstance(parsed.get("item"), dict) and parsed["item"].get("id") in markers)
    if isinstance(parsed, list):
        return any(isinstance(v, str) and v in markers for v in parsed)
    return False


def _is_about(markers: set[str], value: str) -> bool:
    """`value` is one of the markers, or JSON naming one."""
    return value in markers or _json_names(markers, value)


def _member_is_about(markers: set[str], member: str) -> bool:
    """A hash field or set member that is a marker, or starts with one before a `|`
    (`authorkey|trusted`, `itemid|device`), or is JSON naming one."""
    return _is_about(markers, member) or member.partition("|")[0] in markers \
        or member.rpartition("|")[0] in markers


def _key_is_about(markers: set[str], name: str) -> bool:
    """A key name with a marker as a `:`-separated part (`sms-parts:sms:3fa2...:7`)."""
    wrapped = f":{name}:"
    return any(f":{m}:" in wrapped for m in markers)


async def sweep(redis: Client, slug: str, markers: set[str]) -> int:
    """Delete from every key of the event the entries that are about one of `markers`."""
    markers = {m for m in markers if m}
    if not markers:
        return 0
    prefix = keys.event_prefix(slug)
    removed = 0
    async for key in redis.scan_iter(match=f"{prefix}*", count=BATCH):
        name = key[len(prefix):]
        if name in _KEEP:
            continue
        if _key_is_about(markers, name):
            removed += await redis.delete(key)
            continue
        if name == "state":
            doomed = [f async for f, _ in redis.hscan_iter(key, count=BATCH) if f in markers]
            removed += await forget_states(redis, slug, doomed)
            continue
        kind = await redis.type(key)
        removed += await _SWEEPERS.get(kind, _skip)(redis, key, markers, name == "feed")
    return removed


async def _skip(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    return 0


async def _sweep_string(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    value = await redis.get(key)
    return await redis.delete(key) if value and _is_about(markers, value) else 0


async def _sweep_hash(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [f async for f, v in redis.hscan_iter(key, count=BATCH)
              if _member_is_about(markers, f) or _is_about(markers, v)]
    return await redis.hdel(key, *doomed) if doomed else 0


async def _sweep_set(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [m async for m in redis.sscan_iter(key, count=BATCH)
              if _member_is_about(markers, m)]
    return await redis.srem(key, *doomed) if doomed else 0


async def _sweep_zset(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    doomed = [m async for m, _ in redis.zscan_iter(key, count=BATCH)
              if _member_is_about(markers, m)]
    return await redis.zrem(key, *doomed) if doomed else 0


async def _sweep_list(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    removed = 0
    for value in {v for v in await redis.lrange(key, 0, -1) if _is_about(markers, v)}:
        removed += int(await redis.lrem(key, 0, value))
    return removed


async def _sweep_stream(redis: Client, key: str, markers: set[str], feed: bool) -> int:
    removed, start = 0, "-"
    while True:
        batch = await redis.xrange(key, min=start, max="+", count=BATCH)
        doomed = [entry_id for entry_id, fields in batch
                  if any(_is_about(markers, v) for v in fields.values())
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


class RewriteFailed(RuntimeError):
    """Redis could not rewrite its append-only file (its log says why)."""


async def rewrite_aof(redis: Client, timeout: float = 120.0) -> int:
    """Rewrite the append-only file of every Redis holding data (each primary of a
    Cluster), so that nothing deleted before remains on its disk; wait for it to finish.

    A rewrite already running when this is called was forked before the deletion and would
    keep the deleted data: it is waited out, then a new one is started. Returns how many
    nodes were rewritten (0: no node keeps an append-only file, nothing to do).
    """
    done = 0
    deadline = time.monotonic() + timeout
    for node in _data_nodes(redis):
        if (await redis.config_get("appendonly", **node)).get("appendonly") != "yes":
            continue
        await _rewrite_idle(redis, node, deadline)
        while True:
            try:
                await redis.bgrewriteaof(**node)
                break
            except ResponseError as exc:  # one started meanwhile (by Redis itself)
                if "in progress" not in str(exc):
                    raise
                await _rewrite_idle(redis, node, deadline)
        await _rewrite_idle(redis, node, deadline)
        if (await redis.info("persistence", **node)).get("aof_last_bgrewrite_status") != "ok":
            raise RewriteFailed("Redis could not rewrite its append-only file: see its log")
        done += 1
    return done


def _data_nodes(redis: Client) -> list[dict[str, Any]]:
    """How to address each node that keeps data: the client itself, or each primary of a
    Cluster (as the `target_nodes` of a command)."""
    if isinstance(redis, RedisCluster):
        return [{"target_nodes": node} for node in redis.get_primaries()]
    return [{}]


async def _rewrite_idle(redis: Client, node: dict[str, Any], deadline: float) -> None:
    """Wait until no append-only rewrite is running or scheduled on this node."""
    while True:
        info = await redis.info("persistence", **node)
        if not int(info.get("aof_rewrite_in_progress", 0)) \
                and not int(info.get("aof_rewrite_scheduled", 0)):
            return
        if time.monotonic() > deadline:
            raise RewriteFailed("the append-only file rewrite did not finish in time")
        await asyncio.sleep(0.05)
