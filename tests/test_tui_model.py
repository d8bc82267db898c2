"""The desk's model on its own: the wall pane kept from decision frames, without the server."""

from __future__ import annotations

from typing import Any

from moderator_tui.model import RECENT_ON_WALL, DeskModel


def _item(n: int) -> dict[str, Any]:
    return {"id": f"i{n}", "text": f"message {n}"}


def _model(on_wall: int, pinned: int | None = None, highlighted: int | None = None
           ) -> DeskModel:
    """A wall with items i<on_wall-1> (newest) ... i0, as `GET /desk` sends it."""
    return DeskModel(wall={"recent": [_item(n) for n in reversed(range(on_wall))],
                           "count": on_wall,
                           "pinned": None if pinned is None else _item(pinned),
                           "highlighted": None if highlighted is None else _item(highlighted)})


def _recent(model: DeskModel) -> list[str]:
    return [i["id"] for i in model.wall["recent"]]


def test_an_approval_comes_first_on_the_wall_and_counts() -> None:
    """approve: the item leads the recent items (at most 20 kept), the count goes up."""
    model = _model(RECENT_ON_WALL)
    model.apply_wall_decision("approve", _item(99))
    assert _recent(model)[:2] == ["i99", f"i{RECENT_ON_WALL - 1}"]
    assert len(_recent(model)) == RECENT_ON_WALL and "i0" not in _recent(model)
    assert model.wall["count"] == RECENT_ON_WALL + 1


def test_a_take_down_leaves_every_place_on_the_wall() -> None:
    """retract: out of recent, no longer pinned or highlighted, the count goes down."""
    model = _model(3, pinned=1, highlighted=1)
    model.apply_wall_decision("retract", _item(1))
    assert _recent(model) == ["i2", "i0"] and model.wall["count"] == 2
    assert model.wall["pinned"] is None and model.wall["highlighted"] is None


def test_pin_unpin_and_highlight_set_their_place() -> None:
    """pin and highlight name the item; unpin clears the pin only if it is this item."""
    model = _model(3)
    model.apply_wall_decision("pin", _item(2))
    model.apply_wall_decision("highlight", _item(0))
    assert (model.wall["pinned"]["id"], model.wall["highlighted"]["id"]) == ("i2", "i0")
    model.apply_wall_decision("unpin", _item(1))
    assert model.wall["pinned"]["id"] == "i2"
    model.apply_wall_decision("unpin", _item(2))
    assert model.wall["pinned"] is None
    assert _recent(model) == ["i2", "i1", "i0"] and model.wall["count"] == 3


def test_reject_and_restore_leave_the_wall_alone() -> None:
    """Decisions about pending items do not change what the wall shows."""
    model = _model(2, pinned=0)
    before, version = dict(model.wall), model.version
    for action in ("reject", "restore"):
        model.apply_wall_decision(action, _item(7))
    assert model.wall == before and model.version == version


def test_the_first_decision_before_the_overview_starts_a_wall() -> None:
    """A decision frame before `GET /desk` answered: the wall starts from it."""
    model = DeskModel()
    model.apply_wall_decision("approve", _item(1))
    assert _recent(model) == ["i1"] and model.wall["count"] == 1
