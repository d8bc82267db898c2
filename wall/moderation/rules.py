"""Automatic moderation rules, applied to each new item; each names itself in the audit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wall.models import Event, Item
from wall.moderation.wordlist import first_match, matcher
from wall.store.authors import author_flags
from wall.store.client import Client


@dataclass
class Verdict:
    action: str  # "approve" or "reject"
    rule: str


URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*"
                 r"\.(?:com|net|org|fr|io|ly|gl|co|info|biz|xyz|me|be|eu)(?:/\S*)?\b")
LINK_MARK = "🔗"


def remove_links(text: str) -> str:
    """The text with each link replaced by a link mark (event setting `links: remove`)."""
    return URL.sub(LINK_MARK, text)


def content_verdict(event: Event, item: Item) -> Verdict | None:
    """Rules on the text itself: blocked links, blocked words (allow-list first)."""
    if event.links == "block" and URL.search(item.text):
        return Verdict("reject", "links-blocked")
    if event.blocklist == "on" or event.blocked_words:
        pattern = matcher(tuple(event.blocked_words), tuple(event.allowed_words),
                          use_base=event.blocklist == "on")
        word = first_match(f"{item.author}\n{item.text}", pattern)
        if word is not None:
            return Verdict("reject", f"blocklist:{word}")
    return None


async def evaluate(redis: Client, event: Event, item: Item,
                   flags: dict[str, bool] | None = None) -> Verdict | None:
    """The automatic decision for a new item, or None to leave it to moderators.

    Order: a banned author is rejected; a trusted author is approved (trust overrides the
    word lists: a moderator vouched for them); then links and words; then the mode.
    `flags`: the author's flags when the caller already read them (the insert script does).
    """
    if item.author_key:
        if flags is None:
            flags = await author_flags(redis, event.slug, item.author_key)
        if flags["banned"]:
            return Verdict("reject", "banned-author")
        if flags["trusted"]:
            return Verdict("approve", "trusted-author")
    if (verdict := content_verdict(event, item)) is not None:
        return verdict
    if event.mode == "post":
        return Verdict("approve", "post-moderation")
    return None
