"""The word list: French and English, fair to ordinary French.

The default list is the glin-profanity package's French and English dictionaries (derived
from the LDNOOBW lists) without the ordinary words they contain (`lists/ordinary.txt`:
bosser, gerbe, veuve, retard...), plus the reviewed insults (`lists/insults.txt`), which
are also the only words an event's `wordlist: reject` rejects. Each event adjusts it with
added and allowed words. What a match does is the rules' business (wall/moderation/rules.py).
"""

from __future__ import annotations

import importlib.resources
import json
import re
import unicodedata
from functools import cache

from wall.moderation.text import JOINERS

LANG_FILES = {"fr": "french.json", "en": "english.json"}
LISTS = "lists"  # beside this module: insults.txt, ordinary.txt


# Anything but ASCII and the combining marks of U+0300-U+036F that `unicodedata.combining`
# says are combining (all but U+034F, the grapheme joiner).
_NOT_ASCII_OR_ACCENT = re.compile("[^\\x00-\\x7f\\u0300-\\u034e\\u0350-\\u036f]")


def fold(text: str) -> str:
    """Case- and accent-insensitive form, so "CONNARD" and "connârd" match alike."""
    if text.isascii():  # nothing to decompose, no accents: casefold is lower here
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if _NOT_ASCII_OR_ACCENT.search(decomposed) is None:
        # ASCII letters and the accents of Latin scripts (most French text): dropping every
        # non-ASCII character drops exactly the accents, in C.
        return decomposed.encode("ascii", "ignore").decode("ascii")
    # Joiners too: kept in the text between two letters, they must not split a word.
    return "".join(ch for ch in decomposed
                   if not unicodedata.combining(ch) and ch not in JOINERS)


def read_list(name: str) -> frozenset[str]:
    """A word list of ours, folded: one word or phrase a line, "#" starts a comment."""
    text = (importlib.resources.files(__package__ or "wall.moderation") / LISTS / name
            ).read_text(encoding="utf-8")
    words = (line.partition("#")[0].strip() for line in text.splitlines())
    return frozenset(fold(w) for w in words if w)


@cache
def insult_words() -> frozenset[str]:
    """The reviewed insults and slurs (lists/insults.txt)."""
    return read_list("insults.txt")


@cache
def dictionary_words() -> frozenset[str]:
    """Every entry of the glin-profanity French and English dictionaries, folded."""
    folder = importlib.resources.files("glin_profanity") / "data" / "dictionaries"
    words: set[str] = set()
    for name in LANG_FILES.values():
        words.update(fold(w) for w in json.loads((folder / name).read_text())["words"])
    return frozenset(w for w in words if w.strip())


@cache
def base_words() -> frozenset[str]:
    """The default list: the dictionaries less their ordinary words, plus the insults."""
    return (dictionary_words() - read_list("ordinary.txt")) | insult_words()


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
            use_base: bool = True, insults_only: bool = False) -> re.Pattern[str] | None:
    """One pattern for the default list (or, `insults_only`, the reviewed insults alone),
    with the event's `added` words and without its `allowed` ones."""
    words = set(insult_words() if insults_only else base_words()) if use_base else set()
    words |= {fold(w) for w in added if w.strip()}
    words -= {fold(w) for w in allowed}
    return _pattern(frozenset(words))


def first_match(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """The first blocked word or phrase in `text`, or None."""
    if pattern is None:
        return None
    found = pattern.search(fold(text))
    return found.group(0) if found else None
