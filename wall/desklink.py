"""Where a moderator invitation points: the browser desk (`clameur moderate --web`).

The base is the one asked for (`clameur invite create --desk`, or the desk's own address
that a browser desk gives its sessions), else `CLAMEUR_DESK_URL`, else this machine's room
address on the web desk's default port (8001). The admin route and the command share it.
"""

from __future__ import annotations

import os
import re

from wall.net import room_address
from wall.qr import qr_terminal

DESK_PORT = 8001
DESK_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]{1,260}(/[A-Za-z0-9._~/%-]{0,200})?$")


def desk_base(explicit: str | None) -> str:
    chosen = explicit or os.environ.get("CLAMEUR_DESK_URL", "")
    if chosen:
        return chosen.rstrip("/")
    return f"http://{room_address() or '127.0.0.1'}:{DESK_PORT}"


def invite_link(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/invite/{code}"


def link_and_qr(base: str, code: str) -> tuple[str, list[str]]:
    """The link and its QR code as lines of text (no colour codes: the desk draws them dark
    on light itself), from the same QR drawing as `clameur up` and `clameur invite`."""
    link = invite_link(base, code)
    return link, qr_terminal(link, colour=False)
