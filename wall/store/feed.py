"""Read the feed stream: snapshots for fresh walls, exact replay for reconnecting ones."""

from __future__ import annotations

import re

from wall import protocol
from wall.models import Item
from wall.store import keys
from wall.store.client import Client
from wall.store.status import status_message

SNAPSHOT_ITEMS = 60
StreamEntry = tuple[str, dict[str, str]]


def parse_id(position: str) -> tuple[int, int]:
    """A stream id as a comparable pair; raises ValueError when it is not one."""
    ms, _, seq = position.partition("-")
    return int(ms), int(seq or 0)


_ID = re.compile(r"[0-9]{1,20}(-[0-9]{1,20})?", re.ASCII)


def valid_position(position: str) -> bool:
    """A stream id Redis itself accepts: ASCII digits, each part below 2^64 (Python's int()
    also takes "+1", " 1", "1_0" or Arabic digits, which Redis refuses)."""
    if not _ID.fullmatch(position):
        return False
    ms, seq = parse_id(position)
    return ms < 2**64 and seq < 2**64


def feed_message(position: str, fields: dict[str, str], item: Item | None = None
                 ) -> protocol.Frame:
    """A feed stream entry as the frame walls receive (SPEC: feed messages).

    `item`/`pin`/`reveal` entries carry only the item's id: `item` is its body, read from the
    items hash by the caller (`with_bodies`, the hub); an entry written before that (with
    the body in `fields["item"]`) still reads."""
    kind = fields["type"]
    if kind in protocol.WITH_BODY:
        body = item if item is not None else Item.from_json(fields["item"])
        return protocol.with_item(kind, position, body.public())
    if kind == protocol.STATUS:
        return status_message(position, fields)
    return protocol.with_id(kind, position, fields["id"])


def on_wall(item: Item | None, state: str | None) -> bool:
    """Whether an item may be sent to walls: it exists and is approved now (not taken
    down, back in the queue or erased)."""
    return item is not None and state == "approved"


async def with_bodies(redis: Client, slug: str, entries: list[StreamEntry]
                      ) -> list[StreamEntry]:
    """`entries` with each `item`/`pin`/`reveal` entry given the item's current body
    (`fields["item"]`), read in one round trip; entries whose item is no longer on the
    wall are left out, so a replay never returns a taken-down text (the `retract` entry
    that took it down follows in the feed)."""
    ids = list({f["id"] for _, f in entries if f.get("type") in protocol.WITH_BODY})
    if not ids:
        return entries
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.items(slug), ids)
        pipe.hmget(keys.state(slug), ids)
        bodies, states = await pipe.execute()
    shown = {i: body for i, body, state in zip(ids, bodies, states, strict=True)
             if body is not None and state == "approved"}
    out: list[StreamEntry] = []
    for position, fields in entries:
        if fields.get("type") in protocol.WITH_BODY:
            if fields["id"] not in shown:
                continue
            fields = {**fields, "item": shown[fields["id"]]}
        out.append((position, fields))
    return out


async def needs_snapshot(redis: Client, slug: str, after: str) -> bool:
    """True when `after` is older than what the feed still holds, or newer than its last
    entry (a position this feed never gave: live entries up to it would be skipped)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get(keys.feed_floor(slug))
        pipe.xrevrange(keys.feed(slug), count=1)
        floor, last = await pipe.execute()
    if floor is not None and parse_id(after) < parse_id(floor):
        return True
    newest = parse_id(last[0][0]) if last else (0, 0)
    return parse_id(after) > newest


async def read_after(redis: Client, slug: str, after: str, count: int = 1000) -> list[StreamEntry]:
    """Every feed entry strictly after `after` that may still be sent (`with_bodies`: item
    bodies read now, items no longer on the wall left out), oldest first."""
    out: list[StreamEntry] = []
    start = f"({after}"
    while True:
        batch = await redis.xrange(keys.feed(slug), min=start, max="+", count=count)
        out.extend(await with_bodies(redis, slug, batch))
        if len(batch) < count:
            return out
        start = f"({batch[-1][0]}"


async def snapshot(redis: Client, slug: str, limit: int = SNAPSHOT_ITEMS) -> protocol.Frame:
    """What a wall shows now, and the feed position it corresponds to."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xrevrange(keys.feed(slug), count=1)
        pipe.zrevrange(keys.onwall(slug), 0, limit - 1)
        pipe.get(keys.pinned(slug))
        pipe.hgetall(keys.reactions(slug))
        pipe.hget(keys.meta(slug), "status")
        pipe.zcard(keys.onwall(slug))
        last, ids, pinned_id, reactions, status, approved = await pipe.execute()
    ids = list(reversed(ids))
    wanted = ids + ([pinned_id] if pinned_id else [])
    bodies = await redis.hmget(keys.items(slug), wanted) if wanted else []
    by_id = {i: Item.from_json(b).public() for i, b in zip(wanted, bodies, strict=True) if b}
    return protocol.snapshot(
        last[0][0] if last else "0-0", [by_id[i] for i in ids if i in by_id],
        by_id.get(pinned_id) if pinned_id else None,
        {k: int(v) for k, v in reactions.items()}, status or "open", int(approved))
