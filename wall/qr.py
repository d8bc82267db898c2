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


# Half blocks, two rows of modules per line, in explicit colours (black on bright white):
# a terminal's own background may be dark or light, and a QR code must not come out inverted.
_HALVES = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
_INK = "\x1b[30;107m"
_RESET = "\x1b[0m"


def qr_terminal(url: str, border: int = 2, colour: bool = True) -> list[str]:
    """`url` as lines of text for a terminal (the same code as `qr_svg`), two module rows
    per line; `colour=False` leaves out the escape codes (dark modules stay blocks)."""
    code = segno.make(url, error="m", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        text = "".join(_HALVES[pair] for pair in zip(top, bottom, strict=True))
        lines.append(f"{_INK}{text}{_RESET}" if colour else text)
    return lines
