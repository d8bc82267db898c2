"""What an event publishes as open data: its approved items and its reactions per minute.

Only items whose state is `approved` are published: pending and rejected ones were never
shown, retracted ones were taken down. An item keeps its id, source, displayed author, times
and text; its author key, source id, URL, avatar and media are left out (they can identify
a person beyond the name they chose to show).

A rehearsal's copy of an event (`clameur rehearse`, wall/rehearsal/naming.py) publishes
nothing: its dataset is empty. The real event never holds rehearsal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from wall.models import Event, utc_now_iso
from wall.rehearsal.naming import is_rehearsal
from wall.reporting.asks import (
    PublishedPoll,
    PublishedQuestion,
    published_polls,
    published_questions,
)
from wall.store import captions, exports
from wall.store.client import Client
from wall.store.events import get_event

PUBLISHED_STATE = "approved"


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
class PublishedCaption:
    """One line of the captions: the transcript of what was said in the room."""

    at: str
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
    # What the room asked and what was promised; the polls' results (reporting/asks.py).
    questions: list[PublishedQuestion] = field(default_factory=list)
    polls: list[PublishedPoll] = field(default_factory=list)
    # The captions sent during the event: its transcript (wall/routes/captions.py).
    transcript: list[PublishedCaption] = field(default_factory=list)


def iso_from_ms(ms: float) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_minute(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).isoformat().replace("+00:00", "Z")


async def approved_items(redis: Client, slug: str) -> list[PublishedItem]:
    """Every item in state `approved`, in the order it appeared on the wall."""
    out = [PublishedItem(id=item.id, received_at=item.received_at,
                         approved_at=iso_from_ms(approved_ms) if approved_ms is not None else "",
                         source=item.source, author=item.author, text=item.text)
           for item, approved_ms in await exports.in_state(redis, slug, PUBLISHED_STATE)]
    return sorted(out, key=lambda i: (i.approved_at or i.received_at, i.id))


async def published_captions(redis: Client, slug: str) -> list[PublishedCaption]:
    """Every caption line kept, in order, with its time; who sent it is left out."""
    return [PublishedCaption(iso_from_ms(c.at_ms), c.text)
            for c in await captions.transcript(redis, slug)]


def continuous(minutes: dict[int, dict[str, int]]) -> list[tuple[int, dict[str, int]]]:
    """Every minute from the first to the last with reactions, quiet ones as empty."""
    if not minutes:
        return []
    return [(m, minutes.get(m, {})) for m in range(min(minutes), max(minutes) + 1)]


async def collect(redis: Client, slug: str, licence: str = "") -> Dataset | None:
    """The event's dataset, or None when there is no such event."""
    event = await get_event(redis, slug)
    if event is None:
        return None
    if is_rehearsal(event):
        return Dataset(event=event, licence=licence.strip(), exported_at=utc_now_iso(),
                       items=[], kinds=list(event.reactions))
    minutes = await exports.reaction_minutes(redis, slug)
    kinds = list(event.reactions)
    for counts in minutes.values():
        kinds.extend(k for k in counts if k not in kinds)
    return Dataset(event=event, licence=licence.strip(), exported_at=utc_now_iso(),
                   items=await approved_items(redis, slug), kinds=kinds,
                   minutes=continuous(minutes),
                   questions=await published_questions(redis, slug),
                   polls=await published_polls(redis, slug),
                   transcript=await published_captions(redis, slug))
