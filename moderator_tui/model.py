"""The desk's state, without any I/O: queue, selection, filter, wall, counters, rules.

Frames from the server and the moderator's own actions both end up here; the Textual layer
only reads it. Items are plain dicts as the API sends them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

Item = dict[str, Any]
SOURCE_LABELS = {"web": "WEB", "sms": "SMS", "x": "X", "mastodon": "MASTODON",
                 "bluesky": "BLUESKY"}
RECENT_ON_WALL = 20  # as many as `GET /desk` lists
TARGET_STATE = {"approve": "approved", "reject": "rejected", "retract": "retracted",
                "restore": "pending", "pin": "approved", "unpin": "approved",
                "highlight": "approved", "unapprove": "pending", "unhighlight": "approved"}


def source_label(item: Item) -> str:
    return SOURCE_LABELS.get(str(item.get("source", "")), str(item.get("source", "")).upper())


def matches(item: Item, query: str) -> bool:
    """The filter: every word must appear in the text, the author or the source label."""
    haystack = " ".join((str(item.get("text", "")), str(item.get("author", "")),
                         str(item.get("source", "")), source_label(item))).casefold()
    return all(word in haystack for word in query.casefold().split())


@dataclass
class Notice:
    """A line for the moderator: what happened elsewhere, or why an action failed."""

    text: str
    level: str = "info"  # info | warning | error


@dataclass
class RuleEntry:
    item: Item
    rule: str
    action: str
    state: str


@dataclass
class DeskModel:
    """Everything the screen shows."""

    moderator: str = ""
    role: str = ""
    title: str = ""
    mode: str = ""
    timezone: str = ""  # the event's IANA zone (GET /desk); "" until known: times in UTC
    connection: str = "connecting"  # connecting|connected|reconnecting|refused|untrusted
    queue: dict[str, Item] = field(default_factory=dict)
    selected: set[str] = field(default_factory=set)
    query: str = ""
    counters: dict[str, Any] = field(default_factory=dict)
    wall: dict[str, Any] = field(default_factory=dict)
    rules: list[RuleEntry] = field(default_factory=list)
    authors: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: deque[Notice] = field(default_factory=lambda: deque(maxlen=50))
    outbox_size: int = 0
    version: int = 0

    def touch(self) -> None:
        self.version += 1

    def visible(self) -> list[Item]:
        """The queue as shown: oldest first, filtered."""
        items = list(self.queue.values())
        return [i for i in items if matches(i, self.query)] if self.query else items

    def load_queue(self, items: list[Item]) -> None:
        """The whole pending queue (first frame of every connection): replaces ours."""
        self.queue = {i["id"]: i for i in sorted(items, key=lambda i: i.get("received_at", ""))}
        self.selected &= set(self.queue)
        self.touch()

    def add(self, item: Item) -> None:
        self.queue[item["id"]] = item
        self.touch()

    def remove(self, item_id: str) -> Item | None:
        self.selected.discard(item_id)
        item = self.queue.pop(item_id, None)
        self.touch()
        return item

    def toggle(self, item_id: str) -> None:
        if item_id in self.selected:
            self.selected.discard(item_id)
        elif item_id in self.queue:
            self.selected.add(item_id)
        self.touch()

    def targets(self, highlighted: str | None) -> list[str]:
        """The selected items that the filter shows (queue order), else the highlighted one."""
        chosen = [i["id"] for i in self.visible() if i["id"] in self.selected]
        if chosen:
            return chosen
        return [highlighted] if highlighted else []

    def notify(self, text: str, level: str = "info") -> None:
        self.notices.append(Notice(text, level))
        self.touch()

    @property
    def last_notice(self) -> Notice | None:
        return self.notices[-1] if self.notices else None

    def apply_wall_decision(self, action: str, item: Item) -> None:
        """The wall as `GET /desk` would show it after `action` on `item` (a decision frame).

        approve: first of the recent items; retract, unapprove: off the wall; pin, unpin,
        highlight, unhighlight: the pinned or highlighted item; reveal: the item's new body
        wherever it shows. Other actions leave the wall as it is.
        """
        wall, item_id = dict(self.wall), item["id"]
        others = [i for i in wall.get("recent", []) if i["id"] != item_id]
        count = int(wall.get("count", 0))
        if action == "approve":
            wall["recent"], wall["count"] = [item, *others][:RECENT_ON_WALL], count + 1
        elif action == "reveal":
            wall["recent"] = [item if i["id"] == item_id else i for i in wall.get("recent", [])]
            for place in ("pinned", "highlighted"):
                if (wall.get(place) or {}).get("id") == item_id:
                    wall[place] = item
        elif action == "unhighlight":
            if (wall.get("highlighted") or {}).get("id") == item_id:
                wall["highlighted"] = None
        elif action in ("retract", "unapprove"):
            wall["recent"], wall["count"] = others, max(0, count - 1)
            for place in ("pinned", "highlighted"):
                if (wall.get(place) or {}).get("id") == item_id:
                    wall[place] = None
        elif action == "pin":
            wall["pinned"] = item
        elif action == "unpin" and (wall.get("pinned") or {}).get("id") == item_id:
            wall["pinned"] = None
        elif action == "highlight":
            wall["highlighted"] = item
        else:
            return
        self.wall = wall
        self.touch()

    def rule_state(self, item_id: str) -> str:
        """The current state of an item in the rules tab ("" when it is not there)."""
        for entry in self.rules:
            if entry.item["id"] == item_id:
                return entry.state
        return ""

    def find(self, item_id: str) -> Item | None:
        """An item we know of: in the queue, on the wall, or in the rules tab."""
        if item_id in self.queue:
            return self.queue[item_id]
        for entry in self.rules:
            if entry.item["id"] == item_id:
                return entry.item
        wall = self.wall
        for candidate in [wall.get("pinned"), wall.get("highlighted"), *wall.get("recent", [])]:
            if candidate and candidate.get("id") == item_id:
                return dict(candidate)
        return None
