"""Words of a word cloud: one normal form per word, the word list, plurals folded safely.

A word or short phrase is normalised like any text (NFC, no invisible characters), on one
line, without the punctuation around it, in lower case with its accents kept ("Écoles" and
"écoles" count together; "ecole" stays apart: accents carry meaning in French).

Plurals are folded when it is safe, at display time: a phrase whose words lose a final
"s" or "x" (words longer than three letters) is counted with that singular form only when
someone sent the singular too ("écoles" joins "école", "bateaux" joins "bateau"), so
"temps", "alors" or "corps" never lose a letter for lack of a "temp" in the cloud.
"""

from __future__ import annotations

from wall.models import Event
from wall.moderation.text import normalise_text
from wall.moderation.wordlist import first_match, matcher

MAX_WORD = 40  # characters, after normalisation
MAX_WORDS = 3  # words in a phrase
_EDGES = " .,;:!?¿¡\"'«»“”‘’()[]{}…-–—*_/\\|"


class BadWord(ValueError):
    """The text is not one word or a short phrase."""


def normalise_word(text: str) -> str:
    """The form a word is counted under; BadWord when empty, too long or too many words."""
    words = normalise_text(text).split()
    phrase = " ".join(words).strip(_EDGES).lower()
    phrase = " ".join(phrase.split())
    if not phrase:
        raise BadWord("send one word or a short phrase")
    if len(phrase) > MAX_WORD or len(phrase.split()) > MAX_WORDS:
        raise BadWord(f"at most {MAX_WORDS} words and {MAX_WORD} characters")
    return phrase


def held_by_word_list(event: Event, word: str) -> bool:
    """True when the event's word list matches the word: it waits for a moderator."""
    if event.blocklist != "on" and not event.blocked_words:
        return False
    pattern = matcher(tuple(event.blocked_words), tuple(event.allowed_words),
                      use_base=event.blocklist == "on")
    return first_match(word, pattern) is not None


def singular(phrase: str) -> str:
    """Each word of more than three letters without a final "s" or "x"."""
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in phrase.split())


def groups(counts: dict[str, int]) -> dict[str, list[str]]:
    """Word keys grouped under the form shown: a plural joins its singular when both were
    sent, else stays as it is."""
    out: dict[str, list[str]] = {}
    for key in sorted(counts):
        one = singular(key)
        head = one if one != key and one in counts else key
        out.setdefault(head, []).append(key)
    return out
