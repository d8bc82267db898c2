"""`clameur audit`: every decision, with who made it, when, and the rule when automatic."""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis

from tests.support.seeded import seed_event
from tests.test_export import run_cli
from wall.store import keys
from wall.store.authors import set_author_flag
from wall.store.events import get_event


async def test_audit_lists_every_decision_with_who_and_rule(redis_url: str,
                                                             redis: Redis) -> None:
    """Each audit entry appears once, in order, naming the moderator or the rule."""
    from wall.models import Item, new_item_id, utc_now_iso
    from wall.moderation.intake import accept

    seeded = await seed_event(redis)
    event = await get_event(redis, seeded.slug)
    assert event is not None
    await set_author_flag(redis, seeded.slug, "web:banned00000000001", "banned", True)
    await accept(redis, event, Item(id=new_item_id(), event=seeded.slug, source="web",
                                    source_id="b-1", author="Spam", text="achetez",
                                    received_at=utc_now_iso(),
                                    author_key="web:banned00000000001"))
    stream = await redis.xrange(keys.audit(seeded.slug))
    out = await asyncio.to_thread(run_cli, redis_url, "audit", seeded.slug, "--format", "json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["item"], line["action"]) for line in lines] == \
        [(f["id"], f["action"]) for _, f in stream]
    assert {line["by"] for line in lines} == {"alice", "bob", "rules"}
    auto = [line for line in lines if line["by"] == "rules"]
    assert [(a["rule"], a["action"], a["excerpt"]) for a in auto] == \
        [("banned-author", "reject", "achetez")]
    retracted = next(line for line in lines if line["action"] == "retract")
    assert retracted["by"] == "bob" and retracted["change"] == "approved→retracted"
    table = await asyncio.to_thread(run_cli, redis_url, "audit", seeded.slug)
    assert len(table.splitlines()) == len(lines)
    assert "rule:banned-author" in table
