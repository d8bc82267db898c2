"""`clameur audit SLUG`: every decision, oldest first — who, what, when, rule or moderator."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

from wall.commands._run import with_redis
from wall.config import Settings
from wall.store.client import Client
from wall.store.events import get_event
from wall.store.exports import audit_entries
from wall.store.inbox import get_items

EXCERPT = 40


@dataclass
class AuditLine:
    at: str
    action: str
    item: str
    by: str
    rule: str
    change: str
    excerpt: str


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="list every moderation decision of an event")
    p.add_argument("slug")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(handler=cmd_audit)


async def audit_lines(redis: Client, slug: str) -> list[AuditLine]:
    """The audit stream, with a short excerpt of each item still stored."""
    entries = await audit_entries(redis, slug)
    ids = sorted({f.get("id", "") for _, f in entries} - {""})
    stored = {item.id: item for item in await get_items(redis, slug, ids)}
    out = []
    for _, f in entries:
        item = stored.get(f.get("id", ""))
        text = " ".join(item.text.split()) if item else ""
        out.append(AuditLine(at=f.get("at", ""), action=f.get("action", ""),
                             item=f.get("id", ""), by=f.get("by", ""), rule=f.get("rule", ""),
                             change=f"{f.get('from', '')}→{f.get('to', '')}",
                             excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")))
    return out


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> list[AuditLine] | None:
        if await get_event(redis, args.slug) is None:
            return None
        return await audit_lines(redis, args.slug)

    lines = with_redis(settings, work)
    if lines is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    if args.format == "json":
        for line in lines:
            print(json.dumps(asdict(line), ensure_ascii=False))
        return 0
    for line in lines:
        who = f"rule:{line.rule}" if line.rule else line.by
        print(f"{line.at:<25} {line.action:<9} {line.item:<16} {who:<24} "
              f"{line.change:<20} {line.excerpt}")
    if not lines:
        print("no decisions yet")
    return 0
