"""Captioner, moderator and admin tokens: shown once, stored only as a SHA-256, compared in
constant time.

A token reads ``<slug>.<secret>`` so that a token of another event is recognised (403)
without a global index.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from wall.models import utc_now_iso
from wall.store import keys
from wall.store.client import Client

# A captioner may only post captions (wall/routes/captions.py); moderators and admins may
# too (wall/auth.py ranks them).
ROLES = ("moderator", "admin", "captioner")


@dataclass
class TokenInfo:
    id: str
    slug: str
    role: str
    label: str
    created_at: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_slug(token: str) -> str | None:
    slug, dot, secret = token.partition(".")
    return slug if dot and slug and secret else None


async def create_token(redis: Client, slug: str, role: str,
                       label: str = "") -> tuple[str, TokenInfo]:
    """Issue a token; the clear value is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = f"{slug}.{secrets.token_urlsafe(24)}"
    info = TokenInfo(secrets.token_hex(4), slug, role, label, utc_now_iso())
    record = {"id": info.id, "role": role, "label": label, "created_at": info.created_at,
              "digest": _digest(token)}
    await redis.hset(keys.tokens(slug), _digest(token), json.dumps(record))
    return token, info


async def verify_token(redis: Client, token: str) -> TokenInfo | None:
    """The token's record when it is valid (for its own event), else None."""
    slug = token_slug(token)
    if slug is None:
        return None
    digest = _digest(token)
    raw = await redis.hget(keys.tokens(slug), digest)
    if raw is None:
        return None
    record = json.loads(raw)
    if not hmac.compare_digest(record["digest"], digest):
        return None
    return TokenInfo(record["id"], slug, record["role"], record["label"], record["created_at"])


async def list_tokens(redis: Client, slug: str) -> list[TokenInfo]:
    out = []
    for raw in (await redis.hgetall(keys.tokens(slug))).values():
        r = json.loads(raw)
        out.append(TokenInfo(r["id"], slug, r["role"], r["label"], r["created_at"]))
    return sorted(out, key=lambda t: t.created_at)


async def revoke_token(redis: Client, slug: str, token_id: str) -> bool:
    for digest, raw in (await redis.hgetall(keys.tokens(slug))).items():
        if json.loads(raw)["id"] == token_id:
            await redis.hdel(keys.tokens(slug), digest)
            return True
    return False
