"""The frames Clameur's WebSockets carry, named and built in one place (SPEC: feed messages).

The server builds every frame with these constructors; the desk (`moderator_tui`) and the
tests read them by these names. The module depends on nothing but the standard library, so
the desk can import it without importing any other part of the server.
"""

from __future__ import annotations

import json
from typing import Any, Final

Frame = dict[str, Any]

# Feed frames: walls and audiences (the feed stream's entry types, plus the live ones).
SNAPSHOT: Final = "snapshot"
ITEM: Final = "item"
RETRACT: Final = "retract"
PIN: Final = "pin"
UNPIN: Final = "unpin"
HIGHLIGHT: Final = "highlight"
STATUS: Final = "status"
REACTIONS: Final = "reactions"
ERROR: Final = "error"
# Desk frames: moderators only.
QUEUE: Final = "queue"
QUEUED: Final = "queued"
DECISION: Final = "decision"
COUNTERS: Final = "counters"

# Feed entries that carry the item's body (the others carry its id).
WITH_BODY: Final = (ITEM, PIN)
# Decisions that change what the wall shows.
WALL_ACTIONS: Final = ("approve", "retract", "pin", "unpin", "highlight")


def dumps(frame: Frame) -> str:
    """A frame as the compact JSON text sent on the socket."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def snapshot(position: str, items: list[Frame], pinned: Frame | None,
             reactions: dict[str, int], status: str, approved: int) -> Frame:
    """What a wall shows now and the feed position it corresponds to."""
    return {"type": SNAPSHOT, "position": position, "items": items, "pinned": pinned,
            "reactions": reactions, "status": status, "approved": approved}


def with_item(kind: str, position: str, item: Frame) -> Frame:
    """An `item` (newly approved) or `pin` frame."""
    return {"type": kind, "position": position, "item": item}


def with_id(kind: str, position: str, item_id: str) -> Frame:
    """A `retract`, `unpin` or `highlight` frame."""
    return {"type": kind, "position": position, "id": item_id}


def status(position: str, value: str, totals: dict[str, int], approved: int) -> Frame:
    """The event opened or closed, with the figures a thank-you screen shows."""
    return {"type": STATUS, "position": position, "status": value, "totals": totals,
            "approved": approved}


def reactions(totals: dict[str, int], delta: dict[str, int]) -> Frame:
    return {"type": REACTIONS, "totals": totals, "delta": delta}


def error(code: str, message: str) -> Frame:
    """A refusal sent on a socket that stays open (e.g. taps on a closed event)."""
    return {"type": ERROR, "error": code, "message": message}


def queue(items: list[Frame], moderator: str) -> Frame:
    """The pending queue a moderator socket gets first, and who the desk is."""
    return {"type": QUEUE, "items": items, "moderator": moderator}


def queued(item: Frame, state: str) -> Frame:
    """An item that arrived, with its state once the rules ran."""
    return {"type": QUEUED, "item": item, "state": state}


def decision(fields: dict[str, str], item: Frame | None) -> Frame:
    """A decision from the audit stream (id, action, by, at, rule, from, to, position) with
    the item's body, so a desk updates its queue and its view of the wall by itself."""
    return {"type": DECISION, **fields, "item": item}


def counters(values: dict[str, Any]) -> Frame:
    """The desk's header: pending, approved, rejected, reactions per minute, moderators,
    mode and status."""
    return {"type": COUNTERS, **values}
