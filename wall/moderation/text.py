"""Normalise text that people send: NFC, no invisible or direction-changing characters."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides/isolates, zero-width characters and the BOM: they let a message hide or
# reorder what the room reads.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def _strip_controls(text: str) -> str:
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def normalise_text(text: str) -> str:
    """The text as stored and shown: NFC, no controls, collapsed blanks, trimmed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Every character removed below is unprintable (Cc, Cf, Cs): most messages have none,
    # and isprintable() checks in C what the per-character loop checks in Python.
    if not text.replace("\n", "").isprintable():
        text = _INVISIBLE.sub("", text)
        text = _strip_controls(text)
    text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    text = _MANY_NEWLINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def normalise_name(name: str) -> str:
    """A display name: one line, normalised like text."""
    return " ".join(normalise_text(name).split())
