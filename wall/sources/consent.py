"""Consent of social authors: hashtag posts from people who opted out are never ingested.

Someone posting on Mastodon, Bluesky or X wrote for their followers, not for a screen in a
room. Each network has a way to say "not for bots, not for the public eye", and the
connectors read it before anything is stored (docs/sources.md):

- anywhere: `#nobot` or `#NoBots` (any case, also `#nobots`) in the profile's text or name,
  or among the post's tags;
- Mastodon: the account's `noindex` (it asked search engines to stay away) or an account
  that is not `discoverable` (false, or never chosen: `null`);
- Bluesky: the profile self-label `!no-unauthenticated` (show my posts to signed-in users
  only), or a profile that cannot be read (consent unknown);
- X: `#nobot` in the profile's description or name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

NOBOT_TAGS = frozenset({"nobot", "nobots"})
_NOBOT = re.compile(r"(?<![\w#])#no_?bots?(?![\w])", re.IGNORECASE)
BLUESKY_OPT_OUT = "!no-unauthenticated"


def says_nobot(*texts: str | None) -> bool:
    """True when one of `texts` carries #nobot / #NoBots as a hashtag."""
    return any(text and _NOBOT.search(text) for text in texts)


def nobot_tag(tags: Iterable[str]) -> bool:
    return any(str(t).lstrip("#").lower() in NOBOT_TAGS for t in tags)


def mastodon_consents(status: dict[str, Any], note_text: str) -> bool:
    """Whether the author of `status` (the boosted one for a boost) lets it be shown:
    discoverable, not noindex, no #nobot in their profile or the post's tags.
    `note_text`: the account's `note` (HTML) as plain text."""
    account = status.get("account") or {}
    if account.get("noindex") is True or account.get("discoverable") is not True:
        return False
    tags = [t.get("name", "") for t in status.get("tags") or [] if isinstance(t, dict)]
    return not (nobot_tag(tags) or says_nobot(note_text, account.get("display_name")))


def bluesky_consents(profile: dict[str, Any], record: dict[str, Any], tags: set[str]) -> bool:
    """Whether a Bluesky post may be shown: its author's profile was read, carries no
    `!no-unauthenticated` label and no #nobot, and the post has no #nobot tag."""
    if not profile.get("known"):
        return False
    labels = {str(label.get("val")) for label in profile.get("labels") or []
              if isinstance(label, dict)}
    if BLUESKY_OPT_OUT in labels:
        return False
    return not (nobot_tag(tags) or says_nobot(profile.get("description"), profile.get("name"),
                                               str(record.get("text") or "")))


def x_consents(user: dict[str, Any], text: str) -> bool:
    """Whether a tweet may be shown: no #nobot in its author's description or name, nor in
    the tweet itself."""
    return not says_nobot(user.get("description"), user.get("name"), text)
