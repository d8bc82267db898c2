"""A moderator's operations as data: what to send, how to undo it, how to say it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderator_tui.i18n import _

EXCERPT = 40


@dataclass(frozen=True)
class Op:
    """A decision (`kind="decide"`) or an author flag (`kind="flag"`) on one item."""

    kind: str
    item_id: str
    action: str = ""
    expected: str = ""
    flag: str = ""
    on: bool = True


# Undo puts things back as they were: an approval undone returns the item to the queue
# (off the wall), a highlight undone removes the emphasis from the walls.
_UNDO = {
    "approve": ("unapprove", ""),
    "unapprove": ("approve", ""),
    "reject": ("restore", "rejected"),
    "restore": ("reject", ""),
    "retract": ("approve", "retracted"),
    "pin": ("unpin", ""),
    "unpin": ("pin", ""),
    "highlight": ("unhighlight", ""),
    "unhighlight": ("highlight", ""),
}


def inverse(op: Op) -> Op | None:
    """What undoes `op`; None when nothing can (a revealed image has been seen)."""
    if op.kind == "flag":
        return Op("flag", op.item_id, flag=op.flag, on=not op.on)
    if op.action not in _UNDO:
        return None
    action, expected = _UNDO[op.action]
    return Op("decide", op.item_id, action, expected)


def onto_wall(item_id: str, action: str, pending: bool, pinned: str | None) -> list[Op]:
    """`p` or `h` on an item: `p` on the pinned item unpins it; a pending item is approved
    first."""
    if action == "pin" and item_id == pinned:
        return [Op("decide", item_id, "unpin")]
    first = [Op("decide", item_id, "approve")] if pending else []
    return [*first, Op("decide", item_id, action)]


def past_tense(action: str) -> str:
    words = {"approve": _("approved"), "reject": _("rejected"), "retract": _("taken down"),
             "pin": _("pinned"), "unpin": _("unpinned"), "highlight": _("highlighted"),
             "restore": _("put back in the queue"),
             "unapprove": _("put back in the queue"), "unhighlight": _("no longer highlighted"),
             "reveal": _("image revealed")}
    return words.get(action, action)


def describe(item: dict[str, Any]) -> str:
    """«start of the text» — author, for one-line notices."""
    text = " ".join(str(item.get("text", "")).split())
    if len(text) > EXCERPT:
        text = text[:EXCERPT - 1] + "…"
    author = item.get("author") or _("anonymous")
    return f"«{text}» ({author})"
