"""Bearer-token checks for moderator and admin routes (HTTP and WebSocket)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from wall.appstate import app_state
from wall.store.tokens import TokenInfo, token_slug, verify_token

ROLE_RANK = {"moderator": 1, "admin": 2}


def bearer(conn: HTTPConnection) -> str:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token", "")


async def authorise(conn: HTTPConnection, slug: str, role: str = "moderator") -> TokenInfo:
    """The caller's token for `slug`; 401 without a valid one, 403 for another event/role."""
    token = bearer(conn)
    if not token:
        raise HTTPException(401, "a bearer token is required")
    info = await verify_token(app_state(conn).redis, token)
    if info is None:
        raise HTTPException(401, "invalid or revoked token")
    if token_slug(token) != slug or ROLE_RANK[info.role] < ROLE_RANK[role]:
        raise HTTPException(403, "this token does not give access to this action")
    return info
