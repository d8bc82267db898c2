"""Normalise text that people send: NFC, no invisible or direction-changing characters."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides/isolates, zero-width characters and the BOM: they let a message hide or
# reorder what the room reads. Not the zero-width joiners (below).
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
# Zero-width (non-)joiners write emoji sequences (🏳️‍🌈, 👩‍👩‍👧, 🙋‍♀️) and words of some
# scripts (Persian, Indic): kept, one, between two characters that show; removed elsewhere
# (alone they show nothing, and would make an empty message look non-empty).
JOINERS = "\u200c\u200d"
_JOINER_RUN = re.compile(f"[{JOINERS}]+")
_SPACES = re.compile(r"[ \t]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def _strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch == "\n" or ch in JOINERS
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def _joiners_between_visible(text: str) -> str:
    def keep(run: re.Match[str]) -> str:
        start, end = run.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        return "" if before.isspace() or after.isspace() else run.group()[0]

    return _JOINER_RUN.sub(keep, text)


def normalise_text(text: str) -> str:
    """The text as stored and shown: NFC, no controls, collapsed blanks, trimmed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Every character removed below is unprintable (Cc, Cf, Cs): most messages have none,
    # and isprintable() checks in C what the per-character loop checks in Python.
    if not text.replace("\n", "").isprintable():
        text = _INVISIBLE.sub("", text)
        text = _joiners_between_visible(_strip_controls(text))
    if "  " in text or "\t" in text:  # else nothing to collapse
        text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    text = _MANY_NEWLINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def normalise_name(name: str) -> str:
    """A display name: one line, normalised like text."""
    return " ".join(normalise_text(name).split())
