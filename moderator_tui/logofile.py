"""The logo file an organiser names in the settings screen, read and checked on this
computer before anything is sent.

The server decides (wall/logo.py: PNG, JPEG or WebP by the first bytes, at most 512 KB, SVG
refused); the desk imports nothing of the server, so it repeats the cheap part of those
checks here to say at once, in the desk's language, that a path leads nowhere, that a file
is too big or is not an image — without a round trip, and without sending 10 MB to hear
it. The messages are the server's own msgids where they say the same thing.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_BYTES = 512 * 1024
_SVG = re.compile(rb"<svg[\s>/]", re.IGNORECASE)

NOT_FOUND = "No file at this path: {path}"
NOT_A_FILE = "This is a folder, not a file: {path}"
NO_PERMISSION = "The desk may not read this file (permissions): {path}"
UNREADABLE = "This file cannot be read: {reason}"
TOO_BIG = "The logo file is larger than 512 KB: make it smaller (a logo needs a few hundred " \
          "pixels)."
SVG = "SVG is refused: an SVG file can carry scripts. Send a PNG, JPEG or WebP image."
NOT_AN_IMAGE = "This file is not a PNG, JPEG or WebP image."


class LogoFileError(ValueError):
    """Why a path cannot be sent as the logo: a msgid and its values."""

    def __init__(self, msgid: str, **values: str) -> None:
        super().__init__(msgid.format(**values))
        self.msgid, self.values = msgid, values


def is_image(head: bytes) -> bool:
    """PNG, JPEG or WebP by their magic bytes."""
    return head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def read_logo_file(text: str) -> bytes:
    """The bytes of the file at `text` (`~` expanded, relative to the desk's folder)."""
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            raise LogoFileError(NOT_A_FILE, path=str(path))
        if path.stat().st_size > MAX_BYTES:
            raise LogoFileError(TOO_BIG)
        with path.open("rb") as fh:
            body = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise LogoFileError(NOT_FOUND, path=str(path)) from None
    except PermissionError:
        raise LogoFileError(NO_PERMISSION, path=str(path)) from None
    except OSError as exc:
        raise LogoFileError(UNREADABLE, reason=exc.strerror or type(exc).__name__) from None
    if len(body) > MAX_BYTES:
        raise LogoFileError(TOO_BIG)
    if not is_image(body):
        head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        raise LogoFileError(SVG if head.startswith(b"<") and _SVG.search(head)
                            else NOT_AN_IMAGE)
    return body
