"""The one way in for every item, whatever its source: the gate, validate, store once, rules.

`accept` applies the gate (wall/moderation/gate.py) first — the event's status, then the
rate limits — then the item's own validity, in that order whatever fails: a closed event
says "closed" even to an empty message, and an empty message still counts against limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.models import MAX_AUTHOR, MAX_TEXT, Event, Item
from wall.moderation.gate import Gate, Refused, refuse_status
from wall.moderation.rules import evaluate, remove_links, screen
from wall.moderation.text import normalise_name, normalise_text
from wall.ratelimit import Limited
from wall.store.client import Client
from wall.store.decisions import decide
from wall.store.inbox import insert_item, item_state
from wall.store.limits import count
from wall.store.questions import register as register_question
from wall.store.status import current_status


class InvalidItem(ValueError):
    """The item cannot be accepted; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Accepted:
    id: str
    status: str  # pending | approved | rejected
    duplicate: bool


def clean(item: Item, event: Event | None = None) -> Item:
    """Normalise text and author in place; refuse what cannot be shown."""
    item.text = normalise_text(item.text)
    if event is not None and event.links == "remove":
        item.text = remove_links(item.text)
    item.author = normalise_name(item.author)[:MAX_AUTHOR]
    if not item.text and not item.media:
        raise InvalidItem("text", "the message is empty")
    if len(item.text) > MAX_TEXT:
        raise InvalidItem("text", f"the message is longer than {MAX_TEXT} characters "
                                  f"({len(item.text)})")
    return item


async def accept(redis: Client, event: Event, item: Item, gate: Gate | None = None
                 ) -> Accepted:
    """Store `item` once and let the rules decide it; duplicates return the first copy.

    With a `gate`: Refused (nothing stored) when the event is closed or not open yet, then
    when a rate limit is exceeded; only then InvalidItem. The insert script itself reads
    the status (when the gate does not know it) and counts the limits: one round trip.
    """
    if gate is not None:
        gate.check()
    try:
        clean(item, event)
    except InvalidItem:
        if gate is not None:
            await _gate_without_insert(redis, event, gate)
        raise
    content = screen(event, item)  # before the insert: a hold is stored on the item
    unknown = gate is not None and not gate.status
    inserted = await insert_item(redis, item, event.status if unknown else "",
                                 gate.limits if gate is not None else None)
    if inserted.refused:
        raise Refused(inserted.refused)
    _refuse_past_limit(inserted.wait_ms)
    if not inserted.created:
        state = await item_state(redis, event.slug, inserted.id) or "pending"
        return Accepted(inserted.id, _public_status(state), duplicate=True)
    if item.kind == "question":  # before any decision: approved, it can be upvoted at once
        await register_question(redis, event.slug, item.id)
    verdict = await evaluate(redis, event, item, inserted.flags, content)
    state = "pending"
    if verdict is not None and verdict.action != "hold":
        outcome = await decide(redis, event.slug, item.id, verdict.action, by="rules",
                               rule=verdict.rule)
        state = outcome.state or state
    return Accepted(item.id, _public_status(state), duplicate=False)


async def _gate_without_insert(redis: Client, event: Event, gate: Gate) -> None:
    """The gate's checks for an item refused before its insert: the stored status when
    the gate does not know it, then the limits (an empty message still counts)."""
    if not gate.status:
        refuse_status(await current_status(redis, event.slug) or event.status)
    if gate.limits is not None:
        _refuse_past_limit(await count(redis, gate.limits))


def _refuse_past_limit(wait_ms: int) -> None:
    if (limited := Limited.after(wait_ms)) is not None:
        raise Refused("rate_limited", limited.retry_after)


def _public_status(state: str) -> str:
    # A rejected item is reported as pending to its author: no hint for trolls.
    return "approved" if state == "approved" else "pending"
