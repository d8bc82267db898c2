"""Links in a text, for the `links: block|remove` rules.

A bare domain counts when its ending is a real public suffix, checked against the Public
Suffix List shipped inside the `publicsuffixlist` package (ICANN section, no network
fetch: the copy is as fresh as the installed package). A fixed list of endings missed most
country domains (`.de`, `.ru`) and the new ones (`.shop`); the list knows them all, and
knows that `merci` or `py` in "super.Merci" are not endings... except where they are
(`.py` is Paraguay): a file name may count as a link, a rare false positive on an opt-in
rule. Anything with a scheme (`https://`) or starting with `www.` is a link.
"""

from __future__ import annotations

import re
from functools import cache

from publicsuffixlist import PublicSuffixList

LINK_MARK = "🔗"
_SCHEMED = r"\b(?:https?|ftp)://\S+|\bwww\.\S+"
# label(.label)*.ending, optional :port and /path; labels of letters, digits and hyphens
# (any script); the ending letters only (or punycode).
_BARE = (r"(?<![\w.-])(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
         r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59}))(?![\w-])(?::\d{1,5})?(?:/\S*)?")
_CANDIDATE = re.compile(f"(?i)(?P<schemed>{_SCHEMED})|{_BARE}")


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def is_domain(host: str) -> bool:
    """A registrable name under a real public suffix (`spam.de`, not `co.uk` or `a.merci`)."""
    host = host.lower().rstrip(".")
    try:
        return _suffixes().privatesuffix(host) is not None
    except (ValueError, UnicodeError):
        return False


def _links(text: str) -> list[re.Match[str]]:
    return [m for m in _CANDIDATE.finditer(text)
            if m.group("schemed") or is_domain(m.group("host"))]


def has_link(text: str) -> bool:
    return bool(_links(text))


def remove_links(text: str) -> str:
    """The text with each link replaced by a link mark (event setting `links: remove`)."""
    out, at = [], 0
    for match in _links(text):
        out += [text[at:match.start()], LINK_MARK]
        at = match.end()
    return "".join(out) + text[at:]
