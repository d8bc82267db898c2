"""Create, read and update events (their settings live in the event's meta hash)."""

from __future__ import annotations

from typing import Any

from wall.models import MODES, MOTIONS, SOCIAL_MODERATION, STATUSES, Event, valid_slug
from wall.store import keys
from wall.store.client import Client
from wall.store.status import announce_status
from wall.theme import ThemeError, check_theme
from wall.timezones import UNKNOWN_ZONE, valid_timezone


class EventError(ValueError):
    """An event setting that cannot be applied."""


async def create_event(redis: Client, event: Event) -> Event:
    if not valid_slug(event.slug):
        raise EventError(f"invalid slug {event.slug!r}: use [a-z0-9-], 1 to 40 characters")
    _check(event)
    _check_theme(event.theme)
    _check_timezone(event.timezone)
    created = await redis.hsetnx(keys.meta(event.slug), "slug", event.slug)
    if not created:
        raise EventError(f"event {event.slug!r} already exists")
    await redis.hset(keys.meta(event.slug), mapping=event.to_hash())
    await redis.sadd(keys.EVENTS_INDEX, event.slug)
    return event


async def get_event(redis: Client, slug: str) -> Event | None:
    if not valid_slug(slug):
        return None
    data = await redis.hgetall(keys.meta(slug))
    if not data:
        return None
    return Event.from_hash(data)


async def list_events(redis: Client) -> list[Event]:
    slugs = sorted(await redis.smembers(keys.EVENTS_INDEX))
    events = [await get_event(redis, slug) for slug in slugs]
    return [e for e in events if e is not None]


async def update_event(redis: Client, slug: str, changes: dict[str, Any]) -> Event:
    event = await get_event(redis, slug)
    if event is None:
        raise EventError(f"no event {slug!r}")
    previous = event.status
    for name, value in changes.items():
        if name not in Event.__dataclass_fields__ or name in ("slug", "created_at"):
            raise EventError(f"unknown setting {name!r}")
        setattr(event, name, value)
    _check(event)
    if "theme" in changes:  # a theme saved earlier is not judged again for other changes
        _check_theme(event.theme)
    if "timezone" in changes:  # nor a zone: closing an event never fails on its zone
        _check_timezone(event.timezone)
    await redis.hset(keys.meta(slug), mapping=event.to_hash())
    if event.status != previous:
        await announce_status(redis, slug, event.status)
    return event


async def delete_event(redis: Client, slug: str) -> None:
    """Remove every key of the event: the fixed ones and any `ev:{slug}:*` with dynamic parts."""
    await redis.delete(*keys.all_event_keys(slug))
    async for key in redis.scan_iter(match=f"{keys.event_prefix(slug)}*", count=500):
        await redis.delete(key)
    await redis.srem(keys.EVENTS_INDEX, slug)


def _check(event: Event) -> None:
    if event.mode not in MODES:
        raise EventError(f"mode must be one of {', '.join(MODES)}")
    if event.status not in STATUSES:
        raise EventError(f"status must be one of {', '.join(STATUSES)}")
    if event.motion not in MOTIONS:
        raise EventError(f"motion must be one of {', '.join(MOTIONS)}")
    if event.social_post_moderation not in SOCIAL_MODERATION:
        raise EventError("social_post_moderation must be one of "
                         f"{', '.join(SOCIAL_MODERATION)}")
    if not isinstance(event.charter, dict) or not all(
            k in ("fr", "en") and isinstance(v, str) for k, v in event.charter.items()):
        raise EventError('charter must map "fr"/"en" to a text')
    if not event.title.strip():
        raise EventError("an event needs a title")
    event.hashtags = [h.lstrip("#").strip() for h in event.hashtags if h.strip("# ")]


def _check_theme(theme: object) -> None:
    """Every theme saved passes WCAG AA contrast (wall/theme.py), whoever saves it."""
    try:
        check_theme(theme)
    except ThemeError as exc:
        raise EventError(str(exc)) from None


def _check_timezone(name: str) -> None:
    """An IANA zone this machine knows, spelt exactly (wall/timezones.py)."""
    if not valid_timezone(name):
        raise EventError(UNKNOWN_ZONE.format(value=name))
