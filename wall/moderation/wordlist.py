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


def _trie_regex(words: list[str]) -> str:
    """One regex for `words` as a trie: shared prefixes are read once, so a position is
    tried against one branch per character rather than against every word in turn (a flat
    alternation of ~1,000 words cost ~15 µs per post). Longer continuations come before
    ending the word, so at any start the longest listed word followed by a non-word
    character matches, as with the flat list sorted longest first."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict[str, dict]) -> str:
    branches = [re.escape(ch) + _node_regex(child) for ch, child in node.items() if ch]
    if "" in node:
        branches.append(r"(?!\w)")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


@cache
def _pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"(?<!\w)" + _trie_regex(sorted(words)))


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
