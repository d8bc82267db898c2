"""Captions: the lines a captioner sends, in one stream per event (`ev:{slug}:captions`).

The stream is both what walls and phones follow live (the hub reads it and sends `caption`
frames) and the event's transcript: it is kept whole (capped far beyond a day of speech),
read back by the exports and the report, and removed with the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from wall.store import keys
from wall.store.client import Client

# About 28 hours of a line every two seconds: no real event reaches it, and a runaway
# captioner cannot grow the stream without bound.
MAX_LINES = 50_000
BATCH = 1000
Entries = list[tuple[str, dict[str, str]]]


@dataclass
class Caption:
    """One line as stored: its stream id (time-ordered), text and who sent it."""

    id: str
    text: str
    by: str = ""

    @property
    def at_ms(self) -> int:
        return int(self.id.split("-", 1)[0])


def _caption(entry: tuple[str, dict[str, str]]) -> Caption:
    position, fields = entry
    return Caption(position, fields.get("text", ""), fields.get("by", ""))


async def add_lines(redis: Client, slug: str, lines: list[str], by: str) -> list[str]:
    """Append `lines` in order (one transaction); their stream ids."""
    async with redis.pipeline(transaction=True) as pipe:
        for line in lines:
            pipe.xadd(keys.captions(slug), {"text": line, "by": by}, maxlen=MAX_LINES,
                      approximate=True)
        return [str(i) for i in await pipe.execute()]


async def latest(redis: Client, slug: str, count: int = 2) -> list[Caption]:
    """The last `count` lines, oldest first (what a wall connecting now should show)."""
    entries = cast(Entries, await redis.xrevrange(keys.captions(slug), count=count))
    return [_caption(e) for e in reversed(entries)]


async def transcript(redis: Client, slug: str) -> list[Caption]:
    """Every line kept, oldest first, read in batches."""
    out: list[Caption] = []
    start = "-"
    while True:
        entries = cast(Entries, await redis.xrange(keys.captions(slug), min=start, max="+",
                                                   count=BATCH))
        out.extend(_caption(e) for e in entries)
        if len(entries) < BATCH:
            return out
        start = f"({entries[-1][0]}"
