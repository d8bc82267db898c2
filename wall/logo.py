"""What an event's logo file may be, and the URL the theme gives it.

An organiser sends the file itself (`PUT /api/events/{slug}/logo`, wall/routes/logo.py);
its type is read from its first bytes, never from a name or a `Content-Type` (the desk
sends `application/octet-stream`): PNG, JPEG or WebP. SVG is refused whatever it is called —
an SVG file can carry scripts, and the wall is shown on a projector from this origin.
Pillow then reads the header (nothing is decoded): a file it cannot read, or one larger
than MAX_SIDE pixels a side (a projector decoding a 60,000-pixel image is a frozen wall),
is refused too. The bytes are kept as sent (wall/store/logo.py): a logo is the organiser's
own artwork, not a phone's photo (those are re-encoded: wall/media.py).

Refusals are English msgids with a status; the route words them in the caller's language
(locale/fr/LC_MESSAGES/organisers.po).
"""

from __future__ import annotations

import io
import re
import warnings

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 512 * 1024
MAX_SIDE = 4096
TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
VERSION_DIGITS = 8
_SVG = re.compile(rb"<svg[\s>/]", re.IGNORECASE)

TOO_BIG = "The logo file is larger than 512 KB: make it smaller (a logo needs a few hundred " \
          "pixels)."
SVG = "SVG is refused: an SVG file can carry scripts. Send a PNG, JPEG or WebP image."
NOT_AN_IMAGE = "This file is not a PNG, JPEG or WebP image."
UNREADABLE = "This image cannot be read: the file is damaged or incomplete."
TOO_WIDE = "This image is too large: at most {max} pixels a side."


class LogoRefused(ValueError):
    """A file that cannot be an event's logo: `status`, machine `code`, a msgid."""

    def __init__(self, status: int, code: str, msgid: str, **values: str) -> None:
        super().__init__(msgid.format(**values))
        self.status, self.code, self.msgid, self.values = status, code, msgid, values


def sniff(body: bytes) -> str | None:
    """The format named by the file's magic bytes (a key of TYPES), else None."""
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if body.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(body) >= 12 and body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "WEBP"
    return None


def looks_like_svg(body: bytes) -> bool:
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and bool(_SVG.search(head))


def check_logo(body: bytes) -> str:
    """The media type of an acceptable logo file; LogoRefused otherwise."""
    if len(body) > MAX_BYTES:
        raise LogoRefused(413, "too_large", TOO_BIG)
    kind = sniff(body)
    if kind is None:
        if looks_like_svg(body):
            raise LogoRefused(415, "svg_refused", SVG)
        raise LogoRefused(415, "not_an_image", NOT_AN_IMAGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body), formats=[kind]) as image:
                width, height = image.size
                image.verify()  # chunks and checksums; no pixel is decoded
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused(422, "too_many_pixels", TOO_WIDE, max=str(MAX_SIDE)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise LogoRefused(422, "unreadable_image", UNREADABLE) from None
    if max(width, height) > MAX_SIDE:
        raise LogoRefused(422, "too_many_pixels", TOO_WIDE, max=str(MAX_SIDE))
    return TYPES[kind]


def logo_path(slug: str) -> str:
    return f"/e/{slug}/logo"


def logo_url(slug: str, digest: str) -> str:
    """What the theme's `logo` becomes: the public route, versioned by the bytes' hash, so
    a new file is fetched at once despite the 5 minutes a browser may keep the old one."""
    return f"{logo_path(slug)}?v={digest[:VERSION_DIGITS]}"


def shows_uploaded_logo(theme_logo: str | None, slug: str) -> bool:
    """True when a theme's (cleaned) logo is this event's uploaded file."""
    return bool(theme_logo) and (theme_logo == logo_path(slug)
                                 or str(theme_logo).startswith(logo_path(slug) + "?"))
