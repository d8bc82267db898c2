"""How old an item says it is on the desk: a queue line, redrawn only every half-minute,
never shows seconds that would stand still; the detail pane, redrawn with every change,
shows them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from moderator_tui import i18n
from moderator_tui.widgets.detail import detail_text
from moderator_tui.widgets.queue import item_prompt

NOW = datetime(2026, 11, 30, 18, 0, 0, tzinfo=UTC)


def _item(seconds_old: int) -> dict[str, object]:
    stamp = (NOW - timedelta(seconds=seconds_old)).isoformat().replace("+00:00", "Z")
    return {"id": "i1", "source": "web", "author": "Léa", "text": "Bonsoir",
            "received_at": stamp}


@pytest.fixture(params=["fr", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    before = i18n.current()
    i18n.use(request.param)
    yield request.param
    i18n.use(before)


def test_a_fresh_items_line_says_under_a_minute_and_its_detail_the_seconds(
        language: str) -> None:
    line = item_prompt(_item(7), NOW).plain
    assert "· < 1 min" in line and "7 s" not in line
    assert "(7 s)" in detail_text(_item(7), None, NOW, "Europe/Paris").plain


def test_past_a_minute_the_line_and_the_detail_say_the_same(language: str) -> None:
    assert "· 3 min" in item_prompt(_item(200), NOW).plain
    assert "(3 min)" in detail_text(_item(200), None, NOW, "Europe/Paris").plain
