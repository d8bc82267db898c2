"""Word blocklists: French and English lists from the glin-profanity package's dictionaries
(derived from the LDNOOBW lists), adjusted per event by added and allowed words."""

from __future__ import annotations

import importlib.resources
import json
import re
import unicodedata
from functools import cache

LANG_FILES = {"fr": "french.json", "en": "english.json"}


def fold(text: str) -> str:
    """Case- and accent-insensitive form, so "CONNARD" and "connârd" match alike."""
    if text.isascii():  # nothing to decompose, no accents: casefold is lower here
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def base_words() -> frozenset[str]:
    folder = importlib.resources.files("glin_profanity") / "data" / "dictionaries"
    words: set[str] = set()
    for name in LANG_FILES.values():
        words.update(fold(w) for w in json.loads((folder / name).read_text())["words"])
    return frozenset(w for w in words if w.strip())


@cache
def _pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@cache  # per post otherwise: a set of every base word built, folded and hashed (~15 µs)
def matcher(added: tuple[str, ...] = (), allowed: tuple[str, ...] = (),
            use_base: bool = True) -> re.Pattern[str] | None:
    words = set(base_words()) if use_base else set()
    words |= {fold(w) for w in added if w.strip()}
    words -= {fold(w) for w in allowed}
    return _pattern(frozenset(words))


def first_match(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """The first blocked word or phrase in `text`, or None."""
    if pattern is None:
        return None
    found = pattern.search(fold(text))
    return found.group(0) if found else None
