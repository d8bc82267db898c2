"""Bearer-token checks for moderator and admin routes (HTTP and WebSocket), and the
report's browser session.

HTTP routes read a token from the `Authorization` header only: a token in a URL ends up in
proxy logs, browser history and printed pages. WebSockets may also pass `?token=`
(browsers cannot set headers on them); wall/logs.py keeps it out of every log line.

A browser gets the report and the exports through a one-time link
(wall/store/reportlinks.py) that sets a signed, HttpOnly cookie for this event, valid for
an hour and only while the admin token that made the link is not revoked.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from wall.appstate import app_state
from wall.store.reportlinks import OPERATOR
from wall.store.tokens import TokenInfo, list_tokens, token_slug, verify_token

# A route asks for a least role; a token of that rank or higher passes. A captioner ranks
# below a moderator: it may post captions and nothing else.
ROLE_RANK = {"captioner": 0, "moderator": 1, "admin": 2}
SESSION_SECONDS = 3600


def bearer(conn: HTTPConnection) -> str:
    """The `Authorization: Bearer` token; for a WebSocket, else its `?token=`."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if conn.scope["type"] == "websocket":
        return conn.query_params.get("token", "")
    return ""


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


def session_cookie(slug: str) -> str:
    return f"clameur_report_{slug}"


def _signer(conn: HTTPConnection) -> TimestampSigner:
    return TimestampSigner(app_state(conn).secret, salt="report-session")


def start_session(request: Request, response: Response, slug: str, token_id: str) -> None:
    """Set the report session cookie of `slug` for the admin token `token_id`."""
    value = _signer(request).sign(f"{slug}|{token_id}").decode()
    response.set_cookie(session_cookie(slug), value, max_age=SESSION_SECONDS, path="/",
                        httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


async def _session_token(conn: HTTPConnection, slug: str) -> str | None:
    """The token id of a valid report session cookie for `slug`, else None."""
    cookie = conn.cookies.get(session_cookie(slug), "")
    if not cookie:
        return None
    try:
        value = _signer(conn).unsign(cookie, max_age=SESSION_SECONDS).decode()
    except (BadSignature, SignatureExpired, UnicodeDecodeError):
        return None
    cookie_slug, _, token_id = value.partition("|")
    if cookie_slug != slug or not token_id:
        return None
    if token_id == OPERATOR:
        return token_id
    # Revoking the admin token that opened the session ends the session too.
    tokens = await list_tokens(app_state(conn).redis, slug)
    if any(t.id == token_id and t.role == "admin" for t in tokens):
        return token_id
    return None


async def authorise_admin_or_session(request: Request, slug: str) -> None:
    """An admin bearer token for `slug`, or its report session cookie (browsers)."""
    if not bearer(request) and await _session_token(request, slug) is not None:
        return
    await authorise(request, slug, "admin")
