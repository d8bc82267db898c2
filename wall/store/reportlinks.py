"""One-time links to the report: a random code, kept (as its SHA-256) for five minutes,
that opens one browser session and is gone.

The code is not a token: it is worth one use, for minutes, so a link that ends up in a
browser history or a proxy log opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import secrets

from wall.store import keys
from wall.store.client import Client

LINK_SECONDS = 300
OPERATOR = "cli"  # the token id of links made with shell access (`clameur report --link`)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


async def create_link(redis: Client, slug: str, token_id: str) -> str:
    """A fresh code for `slug`, made by the admin token `token_id` (or OPERATOR)."""
    code = secrets.token_urlsafe(24)
    await redis.set(keys.report_link(slug, _digest(code)), token_id, ex=LINK_SECONDS)
    return code


async def use_link(redis: Client, slug: str, code: str) -> str | None:
    """The token id behind `code`, once: the code is deleted as it is read."""
    if not code or len(code) > 64:
        return None
    value = await redis.getdel(keys.report_link(slug, _digest(code)))
    return str(value) if value is not None else None
