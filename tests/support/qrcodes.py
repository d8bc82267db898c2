"""Read QR codes back the way a phone would: images decoded by `zbarimg` (Debian's
zbar-tools), and a terminal's half-block QR code turned back into an image first."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.requires import require_program
from tests.support.timing import timeout

BLOCKS = {"█": (True, True), "▀": (True, False), "▄": (False, True)}
SCALE = 6  # pixels per module
QUIET = 4  # modules of white around the code


def decode_image(image: Path) -> list[str]:
    """What zbarimg reads in `image` (PNG, PGM...), one string per code found."""
    zbarimg = require_program("zbarimg", "zbar-tools")
    out = subprocess.run([zbarimg, "-q", "--raw", str(image)], capture_output=True,
                         text=True, timeout=timeout(30))
    return [line for line in out.stdout.splitlines() if line]


def terminal_qr_image(screen: str, path: Path) -> Path:
    """The QR code drawn with half blocks at the left of a captured terminal screen, as a
    PGM image (dark modules black; spaces are light, as the terminal drew them)."""
    screen_lines = screen.splitlines()
    start = next(n for n, line in enumerate(screen_lines) if any(c in BLOCKS for c in line))
    lines: list[str] = []
    for line in screen_lines[start:]:
        if not any(c in BLOCKS for c in line):
            break
        lines.append(line)
    right = max(max(n for n, c in enumerate(line) if c in BLOCKS) for line in lines) + 1
    rows: list[list[bool]] = []
    for line in lines:
        cells = line[:right].ljust(right)
        rows.append([BLOCKS.get(c, (False, False))[0] for c in cells])
        rows.append([BLOCKS.get(c, (False, False))[1] for c in cells])
    width = (right + 2 * QUIET) * SCALE
    height = (len(rows) + 2 * QUIET) * SCALE
    pixels = bytearray(b"\xff" * (width * height))
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(SCALE):
                    offset = ((y + QUIET) * SCALE + dy) * width + (x + QUIET) * SCALE
                    pixels[offset:offset + SCALE] = b"\x00" * SCALE
    path.write_bytes(f"P5 {width} {height} 255\n".encode() + bytes(pixels))
    return path
