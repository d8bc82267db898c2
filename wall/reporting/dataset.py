"""What an event publishes as open data: its approved items and its reactions per minute.

Only items whose state is `approved` are published: pending and rejected ones were never
shown, retracted ones were taken down. An item keeps its id, source, displayed author, times
and text; its author key, source id, URL, avatar and media are left out (they can identify
a person beyond the name they chose to show).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis.asyncio import Redis

from wall.models import Event, Item, utc_now_iso
from wall.store import keys
from wall.store.events import get_event

PUBLISHED_STATE = "approved"
StreamEntry = tuple[str, dict[str, str]]


@dataclass
class PublishedItem:
    """One approved item, reduced to what may be published."""

    id: str
    received_at: str
    approved_at: str
    source: str
    author: str
    text: str


@dataclass
class Dataset:
    """An event's open data, ready to be written in any format."""

    event: Event
    licence: str
    exported_at: str
    items: list[PublishedItem]
    kinds: list[str]
    minutes: list[tuple[int, dict[str, int]]] = field(default_factory=list)


def iso_from_ms(ms: float) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_minute(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).isoformat().replace("+00:00", "Z")


async def read_stream(redis: Redis, key: str, batch: int = 1000) -> list[StreamEntry]:
    """Every entry of a stream, oldest first, read in batches."""
    out: list[StreamEntry] = []
    start = "-"
    while True:
        entries = await redis.xrange(key, min=start, max="+", count=batch)
        out.extend(entries)
        if len(entries) < batch:
            return out
        start = f"({entries[-1][0]}"


async def approved_items(redis: Redis, slug: str) -> list[PublishedItem]:
    """Every item in state `approved`, in the order it appeared on the wall."""
    states = await redis.hgetall(keys.state(slug))
    ids = [i for i, s in states.items() if s == PUBLISHED_STATE]
    if not ids:
        return []
    bodies = await redis.hmget(keys.items(slug), ids)
    scores = dict(await redis.zrange(keys.onwall(slug), 0, -1, withscores=True))
    out = []
    for item_id, body in zip(ids, bodies, strict=True):
        if not body:
            continue
        item = Item.from_json(body)
        approved_ms = scores.get(item_id)
        out.append(PublishedItem(
            id=item.id, received_at=item.received_at,
            approved_at=iso_from_ms(approved_ms) if approved_ms is not None else "",
            source=item.source, author=item.author, text=item.text))
    return sorted(out, key=lambda i: (i.approved_at or i.received_at, i.id))


async def reaction_minutes(redis: Redis, slug: str) -> dict[int, dict[str, int]]:
    """The `minute|kind -> count` hash as {minute: {kind: count}}."""
    out: dict[int, dict[str, int]] = {}
    for name, count in (await redis.hgetall(keys.reactions_timeline(slug))).items():
        minute, _, kind = name.partition("|")
        if minute.isdigit() and kind:
            out.setdefault(int(minute), {})[kind] = int(count)
    return out


def continuous(minutes: dict[int, dict[str, int]]) -> list[tuple[int, dict[str, int]]]:
    """Every minute from the first to the last with reactions, quiet ones as empty."""
    if not minutes:
        return []
    return [(m, minutes.get(m, {})) for m in range(min(minutes), max(minutes) + 1)]


async def collect(redis: Redis, slug: str, licence: str = "") -> Dataset | None:
    """The event's dataset, or None when there is no such event."""
    event = await get_event(redis, slug)
    if event is None:
        return None
    minutes = await reaction_minutes(redis, slug)
    kinds = list(event.reactions)
    for counts in minutes.values():
        kinds.extend(k for k in counts if k not in kinds)
    return Dataset(event=event, licence=licence.strip(), exported_at=utc_now_iso(),
                   items=await approved_items(redis, slug), kinds=kinds,
                   minutes=continuous(minutes))
