"""What the moderators' desk reads beyond the queue: the wall now, the rules' decisions,
an author's record."""

from __future__ import annotations

from typing import Any, cast

from wall.models import Item
from wall.store import keys
from wall.store.client import Client
from wall.store.inbox import get_items

RULES_LIMIT = 200
AUDIT_SCAN = 5_000
AUDIT_PAGE = 500
HIGHLIGHT_SCAN = 200
RECENT_ON_WALL = 20

Entries = list[tuple[str, dict[str, str]]]


async def _xrevrange(redis: Client, key: str, end: str = "+", count: int = 100) -> Entries:
    """XREVRANGE with the types a `decode_responses` client returns."""
    return cast(Entries, await redis.xrevrange(key, max=end, min="-", count=count))


async def _highlighted(redis: Client, slug: str) -> str | None:
    """The id of the last highlight in the feed, while that item is still on the wall and
    its highlight was not undone (`unhighlight`) since."""
    undone: set[str] = set()
    for _, fields in await _xrevrange(redis, keys.feed(slug), count=HIGHLIGHT_SCAN):
        if fields.get("type") == "unhighlight":
            undone.add(fields["id"])
        elif fields.get("type") == "highlight":
            if fields["id"] in undone:
                return None
            still = await redis.zscore(keys.onwall(slug), fields["id"])
            return fields["id"] if still is not None else None
    return None


async def on_wall(redis: Client, slug: str) -> dict[str, Any]:
    """Pinned, highlighted and the most recent items on the wall now."""
    pinned_id = cast(str | None, await redis.get(keys.pinned(slug)))
    highlight_id = await _highlighted(redis, slug)
    recent = cast(list[str], await redis.zrevrange(keys.onwall(slug), 0, RECENT_ON_WALL - 1))
    wanted = [i for i in (pinned_id, highlight_id) if i] + list(recent)
    by_id = {i.id: i.__dict__ for i in await get_items(redis, slug, wanted)}
    return {"pinned": by_id.get(pinned_id) if pinned_id else None,
            "highlighted": by_id.get(highlight_id) if highlight_id else None,
            "recent": [by_id[i] for i in recent if i in by_id],
            "count": int(await redis.zcard(keys.onwall(slug)))}


async def rule_decisions(redis: Client, slug: str, limit: int = RULES_LIMIT
                         ) -> list[dict[str, Any]]:
    """The latest rule decision of each item, newest first, read back from the audit."""
    found: dict[str, dict[str, str]] = {}
    end, scanned = "+", 0
    while len(found) < limit and scanned < AUDIT_SCAN:
        page = await _xrevrange(redis, keys.audit(slug), end, AUDIT_PAGE)
        for _position, fields in page:
            if fields.get("by") == "rules" and fields.get("id") not in found:
                found[fields["id"]] = fields
        scanned += len(page)
        if len(page) < AUDIT_PAGE:
            break
        end = f"({page[-1][0]}"
    ids = list(found)[:limit]
    if not ids:
        return []
    items = {i.id: i for i in await get_items(redis, slug, ids)}
    states = await redis.hmget(keys.state(slug), ids)
    out = []
    for item_id, state in zip(ids, states, strict=True):
        item: Item | None = items.get(item_id)
        if item is not None:
            fields = found[item_id]
            out.append({"item": item.__dict__, "rule": fields.get("rule", ""),
                        "action": fields.get("action", ""), "at": fields.get("at", ""),
                        "state": state or ""})
    return out
