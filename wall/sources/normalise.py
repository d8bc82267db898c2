"""One door from the connectors into the inbox: build an Item, accept it, never crash on one."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from wall.models import Event, Item, clean_lang, new_item_id, utc_now_iso
from wall.moderation.intake import InvalidItem, accept
from wall.store.client import Client
from wall.store.events import get_event

log = logging.getLogger("clameur.sources")


def make_item(event: Event, source: str, source_id: str, *, author: str, text: str,
              author_key: str, url: str | None = None, avatar: str | None = None,
              media: list[dict[str, str]] | None = None, sensitive: bool = False,
              lang: object = None) -> Item:
    """An Item from a source's fields; `accept` normalises text and name. `lang` is the
    source's language tag for the text, kept only when well-formed (`clean_lang`)."""
    return Item(id=new_item_id(), event=event.slug, source=source, source_id=source_id,
                author=author, text=text, received_at=utc_now_iso(), media=media or [],
                url=url, author_key=author_key, avatar=avatar, sensitive=sensitive,
                lang=clean_lang(lang))


async def deliver(redis: Client, event: Event, items: Iterable[Item]) -> int:
    """Accept each item in order; skip (and log) the ones that cannot be shown.

    The event is read again first: a connector started before a change of moderation mode
    must apply the current one, and nothing enters an event that closed meanwhile.
    Returns how many were new. Store errors propagate: the connector then restarts
    without moving its cursor, and de-duplication absorbs what it sends again.
    """
    items = list(items)
    if not items:
        return 0
    current = await get_event(redis, event.slug)
    if current is None or current.status != "open":
        log.info("%s is not open: %d item(s) dropped", event.slug, len(items))
        return 0
    created = 0
    for item in items:
        try:
            accepted = await accept(redis, current, item)
        except InvalidItem as exc:
            log.info("%s %s skipped: %s", item.source, item.source_id, exc.message)
            continue
        created += not accepted.duplicate
    return created
