"""Moderator invitations: a one-time code that becomes a fresh moderator token.

An admin makes an invitation (`clameur invite create`, the desk, `POST .../invitations`);
its code goes in a link to the browser desk, shown as a QR code. The volunteer's browser
opens the link, the web desk redeems the code here, and the new token lives only in the
web desk's session — never in a URL. The code is stored only as its SHA-256; the
invitation's id is the first hex digits of that hash, so a code finds its record without
an index. Redeeming is claimed with `HSETNX used_at`: of two browsers opening the same
link, exactly one gets a token. An invitation expires, can be revoked (which also revokes
the token it became, closing that volunteer's desk), and is listed with who used it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from wall.models import utc_now_iso
from wall.store import keys
from wall.store.client import Client
from wall.store.tokens import create_token, revoke_token

ID_CHARS = 12
MAX_SECONDS = 7 * 86400
MAX_CODE = 80
# What redeeming a code may give: a token, or why not.
USED, EXPIRED, REVOKED, UNKNOWN = "used", "expired", "revoked", "unknown"


@dataclass
class Invitation:
    id: str
    slug: str
    label: str
    by: str
    created_at: str
    expires: float  # epoch seconds
    status: str  # open | used | revoked (expiry is read from `expires`)
    used_at: str = ""
    used_by: str = ""
    token_id: str = ""

    def state(self, now: float | None = None) -> str:
        if self.status == "open" and (now or time.time()) >= self.expires:
            return EXPIRED
        return self.status

    def public(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label, "by": self.by,
                "created_at": self.created_at, "expires": self.expires,
                "state": self.state(), "used_at": self.used_at, "used_by": self.used_by}


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def code_slug(code: str) -> str | None:
    """The event a code belongs to (codes read `<slug>.<secret>`, like tokens)."""
    slug, dot, secret = code.partition(".")
    return slug if dot and slug and secret else None


def _from_hash(slug: str, invite_id: str, raw: dict[str, str]) -> Invitation:
    status = "revoked" if raw.get("revoked") else "used" if raw.get("used_at") else "open"
    return Invitation(invite_id, slug, raw.get("label", ""), raw.get("by", ""),
                      raw.get("created_at", ""), float(raw.get("expires", "0")), status,
                      raw.get("used_at", ""), raw.get("used_by", ""), raw.get("token_id", ""))


async def create_invitation(redis: Client, slug: str, seconds: int, by: str,
                            label: str = "") -> tuple[str, Invitation]:
    """A new invitation valid `seconds`; the code is returned once and never stored."""
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"an invitation lasts 1 s to {MAX_SECONDS // 86400} days")
    code = f"{slug}.{secrets.token_urlsafe(24)}"
    digest = _digest(code)
    invitation = Invitation(digest[:ID_CHARS], slug, label[:60], by, utc_now_iso(),
                            time.time() + seconds, "open")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.invite(slug, invitation.id), mapping={
            "digest": digest, "label": invitation.label, "by": by,
            "created_at": invitation.created_at, "expires": repr(invitation.expires)})
        pipe.zadd(keys.invites(slug), {invitation.id: int(time.time() * 1000)})
        await pipe.execute()
    return code, invitation


async def get_invitation(redis: Client, slug: str, invite_id: str) -> Invitation | None:
    raw = await redis.hgetall(keys.invite(slug, invite_id))
    return _from_hash(slug, invite_id, raw) if raw else None


async def list_invitations(redis: Client, slug: str) -> list[Invitation]:
    """Every invitation of the event, oldest first."""
    found = []
    for invite_id in await redis.zrange(keys.invites(slug), 0, -1):
        if invitation := await get_invitation(redis, slug, str(invite_id)):
            found.append(invitation)
    return found


async def redeem(redis: Client, code: str, used_by: str) -> tuple[str | None, str]:
    """(a fresh moderator token, "") for a valid code, once; else (None, why): `used`,
    `expired`, `revoked` or `unknown`."""
    slug = code_slug(code) if len(code) <= MAX_CODE else None
    if slug is None:
        return None, UNKNOWN
    digest = _digest(code)
    key = keys.invite(slug, digest[:ID_CHARS])
    raw = await redis.hgetall(key)
    if not raw or not hmac.compare_digest(raw.get("digest", ""), digest):
        return None, UNKNOWN
    invitation = _from_hash(slug, digest[:ID_CHARS], raw)
    if invitation.state() != "open":
        return None, invitation.state()
    if not await redis.hsetnx(key, "used_at", utc_now_iso()):
        return None, USED  # another browser opened it first
    token, info = await create_token(redis, slug, "moderator",
                                     label=f"invitation {invitation.label or invitation.id}")
    await redis.hset(key, mapping={"used_by": used_by[:100], "token_id": info.id})
    # Revoking writes `revoked` before reading `token_id`: whichever ran first, the token of
    # an invitation revoked meanwhile does not survive.
    if await redis.hget(key, "revoked"):
        await revoke_token(redis, slug, info.id)
        return None, REVOKED
    return token, ""


async def revoke_invitation(redis: Client, slug: str, invite_id: str) -> Invitation | None:
    """Revoke an invitation (and the token it became, if used); None when unknown."""
    invitation = await get_invitation(redis, slug, invite_id)
    if invitation is None:
        return None
    await redis.hset(keys.invite(slug, invite_id), "revoked", "1")
    token_id = await redis.hget(keys.invite(slug, invite_id), "token_id")
    if token_id:
        await revoke_token(redis, slug, str(token_id))
    invitation.status = "revoked"
    return invitation


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> int:
    """Seconds from `2h`, `30m`, `1d`, `90s` or a number of seconds (ValueError else)."""
    if isinstance(value, bool):
        raise ValueError("a duration is like 2h, 30m or 1d")
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value).strip().lower()
        unit = UNITS.get(text[-1:], 0)
        number = text[:-1] if unit else text
        if not number.isdigit():
            raise ValueError("a duration is like 2h, 30m or 1d")
        seconds = int(number) * (unit or 1)
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"an invitation lasts 1 s to {MAX_SECONDS // 86400} days")
    return seconds
