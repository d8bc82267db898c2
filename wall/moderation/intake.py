"""The one way in for every item, whatever its source: validate, store once, apply rules."""

from __future__ import annotations

from dataclasses import dataclass

from wall.models import MAX_AUTHOR, MAX_TEXT, Event, Item
from wall.moderation.rules import evaluate, remove_links
from wall.moderation.text import normalise_name, normalise_text
from wall.ratelimit import Limited
from wall.store.client import Client
from wall.store.decisions import decide
from wall.store.inbox import insert_item, item_state
from wall.store.limits import LimitPlan


class InvalidItem(ValueError):
    """The item cannot be accepted; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EventNotOpen(Exception):
    """The event was closed or not open yet when the item arrived (`status`)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class RateLimited(Exception):
    """A rate limit counted with the insert refused the item (`limited.retry_after`)."""

    def __init__(self, limited: Limited) -> None:
        super().__init__(limited.retry_after)
        self.limited = limited


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


async def accept(redis: Client, event: Event, item: Item, check_status: bool = False,
                 limits: LimitPlan | None = None) -> Accepted:
    """Store `item` once and let the rules decide it; duplicates return the first copy.

    `check_status`: the insert itself reads the event's status and raises EventNotOpen
    (nothing stored) when it is closed or a draft. `limits` (`RateLimiter.plan`): the
    insert counts them next and raises RateLimited (nothing stored) past one.
    """
    clean(item, event)
    inserted = await insert_item(redis, item, event.status if check_status else "", limits)
    if inserted.refused:
        raise EventNotOpen(inserted.refused)
    if (limited := Limited.after(inserted.wait_ms)) is not None:
        raise RateLimited(limited)
    if not inserted.created:
        state = await item_state(redis, event.slug, inserted.id) or "pending"
        return Accepted(inserted.id, _public_status(state), duplicate=True)
    verdict = await evaluate(redis, event, item, inserted.flags)
    state = "pending"
    if verdict is not None:
        outcome = await decide(redis, event.slug, item.id, verdict.action, by="rules",
                               rule=verdict.rule)
        state = outcome.state or state
    return Accepted(item.id, _public_status(state), duplicate=False)


def _public_status(state: str) -> str:
    # A rejected item is reported as pending to its author: no hint for trolls.
    return "approved" if state == "approved" else "pending"
