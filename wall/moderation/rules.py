"""Automatic moderation rules, applied to each new item; each names itself in the audit.

A word-list match alone never rejects silently: it HOLDS the item for a moderator (it stays
pending whatever the moderation mode, with `held` = "wordlist:<word>" on the item, which the
queue and the desk show). Only an event that chose `wordlist: reject` has the reviewed
insults (wall/moderation/lists/insults.txt) and its own added words rejected by the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.models import HASHTAG_SOURCES, Event, Item
from wall.moderation.links import has_link
from wall.moderation.links import remove_links as remove_links  # intake's import
from wall.moderation.wordlist import first_match, matcher
from wall.store.authors import author_flags
from wall.store.client import Client


@dataclass
class Verdict:
    action: str  # "approve", "reject", or "hold": left pending for a moderator, in any mode
    rule: str


# `evaluate` without the content verdict `screen` made before the insert: it makes it itself.
UNSCREENED = Verdict("", "")


def content_verdict(event: Event, item: Item) -> Verdict | None:
    """Rules on the text itself (the author's name included: it is shown too): blocked
    links reject; a word of the list holds, or with `wordlist: reject` a reviewed insult or
    one of the event's own words rejects. The event's allowed words never match."""
    if event.links == "block" and has_link(item.text):
        return Verdict("reject", "links-blocked")
    if event.blocklist != "on" and not event.blocked_words:
        return None
    text = f"{item.author}\n{item.text}"
    added, allowed = tuple(event.blocked_words), tuple(event.allowed_words)
    use_base = event.blocklist == "on"
    if event.wordlist == "reject":
        word = first_match(text, matcher(added, allowed, use_base, insults_only=True))
        if word is not None:
            return Verdict("reject", f"wordlist:{word}")
    word = first_match(text, matcher(added, allowed, use_base))
    if word is not None:
        return Verdict("hold", f"wordlist:{word}")
    return None


def screen(event: Event, item: Item) -> Verdict | None:
    """The content rules, once, before the item is stored: a hold is written on the item
    (`item.held`) so that moderators see the matched word with it."""
    verdict = content_verdict(event, item)
    if verdict is not None and verdict.action == "hold":
        item.held = verdict.rule
    return verdict


async def evaluate(redis: Client, event: Event, item: Item,
                   flags: dict[str, bool] | None = None,
                   content: Verdict | None = UNSCREENED) -> Verdict | None:
    """The automatic decision for a new item ("hold": none, whatever the mode), or None to
    leave it to moderators.

    Order: a banned author is rejected; a trusted author is approved (trust overrides the
    word lists: a moderator vouched for them); then links and words; then the mode.
    `flags`: the author's flags when the caller already read them (the insert script does);
    `content`: what `screen` said before the insert.
    """
    if item.author_key:
        if flags is None:
            flags = await author_flags(redis, event.slug, item.author_key)
        if flags["banned"]:
            return Verdict("reject", "banned-author")
        if flags["trusted"]:
            return Verdict("approve", "trusted-author")
    if content is UNSCREENED:
        content = content_verdict(event, item)
    if content is not None:
        return content
    # Hashtag posts wait for a moderator even in post-moderation, unless the organiser
    # chose otherwise: their authors wrote for their followers, not for this room's screen.
    social = item.source in HASHTAG_SOURCES and event.social_post_moderation != "follow_mode"
    if event.mode == "post" and not social:
        return Verdict("approve", "post-moderation")
    return None
