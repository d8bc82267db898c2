"""The desk's approved and rejected counts are kept by the store, and always equal a scan."""

from __future__ import annotations

import secrets

import pytest
from redis.asyncio import Redis

from tests.conftest import EventFixture
from wall.models import Event, Item, new_item_id, utc_now_iso
from wall.store import keys
from wall.store.decisions import counts, decide
from wall.store.erasure import erase_author
from wall.store.events import EventError, create_event, get_event
from wall.store.inbox import insert_item


async def _post(redis: Redis, slug: str, author_key: str = "web:someone000000001") -> str:
    item = Item(id=new_item_id(), event=slug, source="web", source_id=new_item_id(),
                author="Ana", text="Bonsoir", received_at=utc_now_iso(), author_key=author_key)
    return (await insert_item(redis, item)).id


async def _scanned(redis: Redis, slug: str) -> dict[str, int]:
    """What the desk's counters meant before they were kept: a scan of every state."""
    states = await redis.hvals(keys.state(slug))
    return {"pending": await redis.zcard(keys.pending(slug)),
            "approved": states.count("approved"), "rejected": states.count("rejected")}


async def test_counts_follow_every_change_of_state(redis: Redis, event: EventFixture) -> None:
    """Approve, reject, restore, retract, approve again, pin: the counts equal a scan after
    each decision, refused ones included."""
    slug = event.slug
    a, b, c, _ = [await _post(redis, slug) for _ in range(4)]
    steps = [(a, "approve", ""), (b, "reject", ""), (b, "restore", "rejected"),
             (b, "reject", ""), (a, "retract", ""), (a, "approve", "retracted"),
             (c, "approve", ""), (c, "pin", ""), (c, "reject", ""), (b, "approve", "rejected"),
             (c, "retract", ""), (c, "retract", "")]
    for item_id, action, expected in steps:
        await decide(redis, slug, item_id, action, by="alice", expected=expected)
        assert await counts(redis, slug) == await _scanned(redis, slug), (item_id, action)
    assert await counts(redis, slug) == {"pending": 1, "approved": 2, "rejected": 0}


async def test_an_event_from_before_kept_counts_is_counted_from_its_states_once(
        redis: Redis, event: EventFixture) -> None:
    """No counts hash yet (an event decided before this version): the first read or
    decision counts the states, the following ones keep the count."""
    slug = event.slug
    ids = [await _post(redis, slug) for _ in range(5)]
    for item_id, action in zip(ids, ("approve", "approve", "reject", "approve"), strict=False):
        await decide(redis, slug, item_id, action, by="alice")
    await redis.delete(keys.counts(slug))
    assert await counts(redis, slug) == {"pending": 1, "approved": 3, "rejected": 1}
    await redis.delete(keys.counts(slug))
    await decide(redis, slug, ids[4], "reject", by="alice")
    assert await counts(redis, slug) == {"pending": 0, "approved": 3, "rejected": 2}


async def test_erasing_an_author_takes_their_items_out_of_the_counts(
        redis: Redis, event: EventFixture) -> None:
    """An erased author's approved and rejected items no longer count."""
    slug, zoe = event.slug, "sms:5f1e0a9c2b7d4e6f8a10"
    shown, refused, kept = (await _post(redis, slug, zoe), await _post(redis, slug, zoe),
                            await _post(redis, slug))
    await decide(redis, slug, shown, "approve", by="alice")
    await decide(redis, slug, refused, "reject", by="alice")
    await decide(redis, slug, kept, "approve", by="alice")
    assert await counts(redis, slug) == {"pending": 0, "approved": 2, "rejected": 1}
    await erase_author(redis, slug, zoe)
    assert await counts(redis, slug) == await _scanned(redis, slug)
    assert await counts(redis, slug) == {"pending": 0, "approved": 1, "rejected": 0}


async def test_a_slug_with_a_final_line_break_is_no_event(redis: Redis) -> None:
    """`demo\\n` (a `%0A` at the end of a URL) is refused at creation and found nowhere."""
    with pytest.raises(EventError):
        await create_event(redis, Event(slug="demo\n", title="Démo"))
    slug = f"nl-{secrets.token_hex(4)}"
    await create_event(redis, Event(slug=slug, title="Démo"))
    assert await get_event(redis, f"{slug}\n") is None
    assert await get_event(redis, slug) is not None
