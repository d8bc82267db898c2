"""The event's moderation charter, and what became of a post in the charter's words.

Every event has a charter: the default one below (French and English through the gettext
catalogs), or the organiser's own text per language (`Event.charter`, set by an admin).
It is shown on the phone page before the first post and summed up in the SMS help reply.

An author sees on their phone what became of each of their posts (`outcome`): shown,
waiting, withdrawn by them, or not shown with the charter rule it broke. The rule comes
from the decision (an automatic rule, or a moderator's `reason`), never the matched word:
a post held or rejected for a word of the list reads "outside the charter: insults".
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.i18n import gettext
from wall.models import Event

# The default charter: (rule code, short label, the rule as the phone page states it).
# The short label is what an author reads next to a post that was not shown.
RULES: tuple[tuple[str, str, str], ...] = (
    ("insults", "insults",
     "Respect everyone: no insults, threats, harassment or hateful words about anyone's "
     "origin, religion, gender, sexual orientation, age or disability."),
    ("personal", "personal attacks",
     "Debate ideas, not people: no personal attacks, no accusations against a named person."),
    ("privacy", "private information",
     "Protect privacy: no phone numbers, addresses or private details, yours or anyone "
     "else's."),
    ("spam", "advertising or spam",
     "Stay on the topic of the debate: no advertising, no spam, no repeated messages."),
    ("unlawful", "unlawful content",
     "Nothing unlawful: no defamation, no call to violence or to break the law."),
)
RULE_CODES = tuple(code for code, _, _ in RULES)
CLOSING = ("Messages outside this charter are not shown. You can see what became of yours "
           "on this page, and withdraw them at any time.")
# One line for the SMS help reply (a few segments at most).
SUMMARY = ("Charter: respect everyone, debate ideas not people, no private information, no "
           "advertising, nothing unlawful.")
MAX_CHARTER = 4000
SMS_SUMMARY_MAX = 200
# The rule of a withdrawal: recorded by the decision script as `by: author`.
WITHDRAWN = "withdrawn"
AUTHOR = "author"


@dataclass
class Charter:
    """The charter a page shows: the organiser's text (`custom`), else the default rules.
    `lang` is the language of the text (an organiser may have written only one)."""

    lang: str
    custom: str
    rules: list[tuple[str, str, str]]
    closing: str


def charter_for(event: Event, lang: str) -> Charter:
    """The charter in `lang`: the organiser's text in that language, else in another of
    theirs, else the default one translated."""
    texts = {k: v for k, v in (event.charter or {}).items() if v.strip()}
    chosen = lang if lang in texts else next(iter(texts), "")
    if chosen:
        return Charter(chosen, texts[chosen], [], "")
    return Charter(lang, "", [(code, gettext(lang, label), gettext(lang, text))
                              for code, label, text in RULES], gettext(lang, CLOSING))


def sms_summary(event: Event, lang: str) -> str:
    """The charter in one line for an SMS: the default summary, or the first line of the
    organiser's text, cut at a word past SMS_SUMMARY_MAX characters."""
    charter = charter_for(event, lang)
    if not charter.custom:
        return gettext(lang, SUMMARY)
    first = next((line.strip() for line in charter.custom.splitlines() if line.strip()), "")
    if len(first) <= SMS_SUMMARY_MAX:
        return first
    return first[:SMS_SUMMARY_MAX].rsplit(" ", 1)[0] + "…"


NETWORKS = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def followed_sources(event: Event) -> list[str]:
    """The networks whose posts with the event's hashtags may show, by name (Mastodon only
    with instances to follow); none without hashtags."""
    if not event.hashtags:
        return []
    return [NETWORKS[s] for s in event.sources
            if s in NETWORKS and (s != "mastodon" or event.mastodon_instances)]


def clean_charter(text: str) -> str:
    """An organiser's charter as stored: plain text, normalised line ends, at most
    MAX_CHARTER characters (ValueError past it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_CHARTER:
        raise ValueError(f"a charter is at most {MAX_CHARTER} characters ({len(text)})")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise ValueError("a charter is plain text: no control characters")
    return text


@dataclass
class Outcome:
    """What became of one post, as its author may read it: `status` is `shown`,
    `waiting`, `not_shown` (with the charter `rule`, or "" when the moderators gave
    none) or `withdrawn`."""

    status: str
    rule: str = ""


def outcome(state: str, decision: dict[str, str] | None, held: str = "") -> Outcome:
    """The author's view of a post in `state`, from its last decision (never the word)."""
    decision = decision or {}
    if decision.get("rule") == WITHDRAWN and decision.get("by") == AUTHOR:
        return Outcome(WITHDRAWN)
    if state == "approved":
        return Outcome("shown")
    if state not in ("rejected", "retracted"):
        return Outcome("waiting")  # held for a word too: a moderator has not decided yet
    return Outcome("not_shown", rule_of(decision.get("rule", ""), held))


def rule_of(rule: str, held: str) -> str:
    """The charter rule behind a decision's `rule`: a word of the list is an insult, a
    blocked link advertising; a moderator's reason (`charter:<code>`) is that rule; a
    post held for a word and then refused by a moderator broke the insults rule."""
    if rule.startswith("charter:") and rule[len("charter:"):] in RULE_CODES:
        return rule[len("charter:"):]
    if rule.startswith("wordlist:"):
        return "insults"
    if rule == "links-blocked":
        return "spam"
    if not rule and held.startswith("wordlist:"):
        return "insults"
    return ""


def rule_label(code: str, lang: str) -> str:
    """The short label of a charter rule in `lang` ("" for none)."""
    for rule, label, _ in RULES:
        if rule == code:
            return gettext(lang, label)
    return ""
