"""The rehearsal's own event: a fresh copy of the real one for each run, removed by
`--clean`. Made in the store the server uses (REDIS_URL, or the embedded Redis of the
data directory), like `clameur event create`.

The copy keeps what shapes the room (moderation mode, languages, reactions, word lists,
links, theme) and drops what could reach the outside or the real event: no hashtag source
(`clameur ingest` follows none), no SMS number or keyword (a real SMS is never routed into
it). It is open whatever the real event's status, and has its own moderator token.
"""

from __future__ import annotations

import dataclasses

from wall.models import Event, utc_now_iso
from wall.rehearsal.naming import is_rehearsal, rehearsal_slug, rehearsal_title
from wall.store.client import Client
from wall.store.events import create_event, delete_event, get_event
from wall.store.tokens import create_token

TOKEN_LABEL = "rehearsal"


class StageError(Exception):
    """The rehearsal cannot be set up (said to the organiser as is)."""


async def prepare(redis: Client, slug: str) -> tuple[Event, Event, str]:
    """(the real event, its fresh rehearsal copy, a moderator token of the copy)."""
    original = await get_event(redis, slug)
    if original is None:
        raise StageError(f"no event {slug!r} in this Redis (is the server's Redis the one "
                         f"this command uses? REDIS_URL, or the data directory of "
                         f"`clameur up`)")
    if is_rehearsal(original):
        raise StageError(f"{slug!r} is itself a rehearsal: rehearse the real event")
    await _remove(redis, rehearsal_slug(slug))
    copy = dataclasses.replace(
        original, slug=rehearsal_slug(slug), title=rehearsal_title(original.title),
        status="open", sources=[], sms_number="", sms_keyword="", created_at=utc_now_iso(),
        hashtags=list(original.hashtags), languages=list(original.languages),
        reactions=list(original.reactions), theme=dict(original.theme),
        blocked_words=list(original.blocked_words),
        allowed_words=list(original.allowed_words))
    await create_event(redis, copy)
    token, _ = await create_token(redis, copy.slug, "moderator", label=TOKEN_LABEL)
    return original, copy, token


async def clean(redis: Client, slug: str) -> bool:
    """Remove `slug`'s rehearsal copy and everything in it; False when there was none."""
    return await _remove(redis, rehearsal_slug(slug))


async def _remove(redis: Client, copy_slug: str) -> bool:
    existing = await get_event(redis, copy_slug)
    if existing is None:
        return False
    if not is_rehearsal(existing):
        raise StageError(f"{copy_slug!r} is a real event, not a rehearsal: left untouched")
    await delete_event(redis, copy_slug)
    return True
