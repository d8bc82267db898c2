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
UNHIGHLIGHT: Final = "unhighlight"  # a highlight undone: walls drop the emphasis at once
REVEAL: Final = "reveal"  # sensitive media shown: walls re-render the item with its images
STATUS: Final = "status"
REACTIONS: Final = "reactions"
ERROR: Final = "error"
# Questions and polls (docs/questions-and-polls.md): walls, audiences and desks.
VOTES: Final = "votes"
POLL: Final = "poll"
MODE: Final = "mode"
# Sent by phones on the audience socket, and the answer once the vote is stored.
VOTE: Final = "vote"
VOTED: Final = "voted"
# A line of live captions (wall/routes/captions.py): walls and audiences.
CAPTION: Final = "caption"
# Desk frames: moderators only.
QUEUE: Final = "queue"
QUEUED: Final = "queued"
DECISION: Final = "decision"
COUNTERS: Final = "counters"

# Feed entries that carry the item's body (the others carry its id).
WITH_BODY: Final = (ITEM, PIN, REVEAL)
# Decisions that change what the wall shows.
WALL_ACTIONS: Final = ("approve", "retract", "pin", "unpin", "highlight", "unapprove",
                       "unhighlight", "reveal")


def dumps(frame: Frame) -> str:
    """A frame as the compact JSON text sent on the socket."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def snapshot(position: str, items: list[Frame], pinned: Frame | None,
             reactions: dict[str, int], status: str, approved: int) -> Frame:
    """What a wall shows now and the feed position it corresponds to."""
    return {"type": SNAPSHOT, "position": position, "items": items, "pinned": pinned,
            "reactions": reactions, "status": status, "approved": approved}


def with_item(kind: str, position: str, item: Frame) -> Frame:
    """An `item` (newly approved), `pin` or `reveal` (its media shown) frame."""
    return {"type": kind, "position": position, "item": item}


def with_id(kind: str, position: str, item_id: str) -> Frame:
    """A `retract`, `unpin`, `highlight` or `unhighlight` frame."""
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


def votes(item_id: str, count: int, answer: dict[str, str] | None = None) -> Frame:
    """A question's upvotes now, with its answer state (`answered`/`follow_up`, note)."""
    return {"type": VOTES, "id": item_id, "votes": count,
            "answer": answer.get("answer") if answer else None,
            "note": answer.get("note", "") if answer else ""}


def poll(state: Frame) -> Frame:
    """A poll as `GET /polls/{id}` shows it: on open, on close, and its tallies."""
    return {"type": POLL, "poll": state}


def mode(value: str) -> Frame:
    """What the wall shows: `feed`, `questions` or `poll`."""
    return {"type": MODE, "mode": value}


def voted(poll_id: str) -> Frame:
    """A vote sent on the audience socket is stored."""
    return {"type": VOTED, "poll": poll_id}


def caption(text: str, caption_id: str) -> Frame:
    """A caption line (SPEC: `{"type": "caption", "text"}`) with `id`, its stream id: the
    order of lines, and what a wall already shows (the catch-up on connecting sends the
    last two lines again; a page skips an id it has)."""
    return {"type": CAPTION, "text": text, "id": caption_id}
