"""Property-based tests (hypothesis) of the normaliser, the frame decoders and the rules."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from wall.http import Invalid
from wall.models import MAX_TEXT, Event, Item
from wall.moderation.rules import content_verdict
from wall.moderation.text import JOINERS, normalise_name, normalise_text
from wall.moderation.wordlist import first_match, fold, matcher
from wall.routes._shared import reaction_counts
from wall.store.feed import feed_message, valid_position

FORBIDDEN = {"\u202e", "\u202d", "\u200b", "\u200f", "\u2066", "\ufeff", "\x00", "\x1b"}
EVENT = Event(slug="e", title="t")


@given(st.text())
def test_normalised_text_is_nfc_visible_and_stable(text: str) -> None:
    """The normaliser's output is NFC, has no controls or bidi overrides (zero-width joiners
    only between two characters shown), and is a fixpoint."""
    out = normalise_text(text)
    assert unicodedata.is_normalized("NFC", out)
    assert not FORBIDDEN & set(out)
    assert all(ch == "\n" or ch in JOINERS or unicodedata.category(ch) not in ("Cc", "Cf")
               for ch in out)
    for n, ch in enumerate(out):  # a joiner only joins: one, between two characters shown
        if ch in JOINERS:
            assert 0 < n < len(out) - 1
            assert not out[n - 1].isspace() and not out[n + 1].isspace()
            assert out[n - 1] not in JOINERS and out[n + 1] not in JOINERS
    assert normalise_text(out) == out
    assert out == out.strip()


@given(st.text())
def test_normalised_names_are_one_line(name: str) -> None:
    """A display name never spans lines or carries invisible characters."""
    out = normalise_name(name)
    assert "\n" not in out and not FORBIDDEN & set(out)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                      max_size=4),
    max_leaves=12)


@given(st.dictionaries(st.one_of(st.sampled_from(["type", "kind", "count", "counts"]),
                                 st.text()), json_values, max_size=6))
def test_reaction_frames_decode_or_refuse_never_crash(frame: dict[str, object]) -> None:
    """Any JSON object as a reaction frame yields valid counts or a 422, never another error."""
    try:
        result = reaction_counts(EVENT, frame)
    except Invalid as exc:
        assert exc.status_code == 422
    else:
        assert all(k in EVENT.reactions and 1 <= v <= 200 for k, v in result.items())


@given(st.text(max_size=600), st.text(max_size=80))
def test_items_survive_the_feed_round_trip_exactly(text: str, author: str) -> None:
    """An item's text and author come out of a feed frame exactly as stored."""
    item = Item(id="i1", event="e", source="web", source_id="s", author=author, text=text,
                received_at="2026-01-01T00:00:00.000Z", author_key="web:secret")
    frame = feed_message("1-0", {"type": "item", "id": "i1", "item": item.to_json()})
    decoded = json.loads(json.dumps(frame, ensure_ascii=False))
    assert decoded["item"]["text"] == text and decoded["item"]["author"] == author
    assert "author_key" not in decoded["item"]


@given(st.text(max_size=30))
def test_positions_are_validated_not_trusted(position: str) -> None:
    """`after=` values are either well-formed stream ids or refused, never crash."""
    if valid_position(position):
        ms, _, seq = position.partition("-")
        assert int(ms) >= 0 and int(seq or 0) >= 0


@given(st.text(max_size=MAX_TEXT), st.text(max_size=40))
@settings(max_examples=200)
def test_rules_never_crash_and_blocked_words_are_always_found(text: str, prefix: str) -> None:
    """The content rules accept any text; a blocked word set apart by spaces is always found."""
    content_verdict(EVENT, Item(id="i", event="e", source="web", source_id="s", author="",
                                text=text, received_at=""))
    pattern = matcher(("tartempion",), use_base=False)
    assert first_match(f"{prefix} TartEmpion {text}", pattern) == fold("tartempion")
