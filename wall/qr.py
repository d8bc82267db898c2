"""QR codes for the wall: the audience page's URL as an SVG drawn server-side by segno."""

from __future__ import annotations

import io
from functools import lru_cache

import segno


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """A standalone SVG of `url`, dark modules on white with the standard quiet zone."""
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=10, border=4, dark="#000000", light="#ffffff",
              xmldecl=False, svgns=True, omitsize=True, nl=False)
    return out.getvalue().decode("utf-8")


def short_url(url: str) -> str:
    """The URL as people type it: no scheme, no trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")
