"""Browser-facing protections, as the app's door applies them (wall/door.py): CSP and friends
on every response (our refusals and 500s included), Origin checks on WebSockets, cross-site
posts refused."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import Scope

# Source images are fetched by the server and served from /media (wall/routes/media.py):
# no page loads an image from another site.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors {frame_ancestors}")
CSP_HEADER = b"content-security-policy"
AUDIENCE_POSTS = ("/posts", "/reactions")
CLOSE_FOREIGN_ORIGIN = 4403


ORIGIN_HEADERS = frozenset((b"sec-fetch-site", b"origin", b"x-forwarded-host", b"host"))


def same_origin(origin: str, headers: dict[bytes, str], allowed: set[str]) -> bool:
    if origin in allowed:
        return True
    host = headers.get(b"x-forwarded-host") or headers.get(b"host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


def is_audience_write(scope: Scope) -> bool:
    """A phone's post, taps or withdrawal: refused when another site sends it."""
    path: str = scope["path"]
    if scope["method"] == "DELETE":  # an author withdrawing a post (wall/routes/authors.py)
        return path.startswith("/api/events/") and "/my-posts/" in path
    return (scope["method"] == "POST" and path.startswith("/api/events/")
            and path.endswith(AUDIENCE_POSTS))


def security_headers(frame_ancestors: str = "'self'") -> list[tuple[bytes, bytes]]:
    """The headers every answer carries, whoever writes it (the door adds them to the app's
    answers; wall/httpguard.py writes them in its own)."""
    return [(b"content-security-policy",
             CSP.format(frame_ancestors=frame_ancestors or "'self'").encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


def foreign_write(headers: dict[bytes, str], allowed: set[str]) -> bool:
    """An audience write sent by another site (`ORIGIN_HEADERS` of the request)."""
    if headers.get(b"sec-fetch-site", "") == "cross-site":
        return True
    origin = headers.get(b"origin")
    if not origin:
        return False
    return not same_origin(origin, headers, allowed)


def allowed_origins(setting: str) -> set[str]:
    """`CLAMEUR_ALLOWED_ORIGINS`: comma-separated origins also accepted."""
    return {o.strip().rstrip("/") for o in setting.split(",") if o.strip()}
