"""Per-event themes: the keys an organiser may set, validated before they reach any CSS.

An event's `theme` dict is free-form in storage; only the keys below are used, and only
when their value passes validation (a colour must be `#rgb` or `#rrggbb`; a logo must be a
path on this server). Anything else is ignored, so a stored value can never inject CSS.
"""

from __future__ import annotations

import re
from typing import Any

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9._~/%-]{1,300}$")
COLOUR_KEYS = ("accent", "background", "text", "card")
TRUE_VALUES = ("1", "true", "yes", "on", "dark")
THEME_KEYS: dict[str, str] = {
    "dark": "\"1\" (default) for light text on a dark background, \"0\" for a light wall",
    "accent": "colour of highlights, badges, the meter and buttons (#rgb or #rrggbb)",
    "background": "page background colour; text turns black or white to keep contrast",
    "text": "text colour (overrides the automatic choice)",
    "card": "background colour of the wall's cards",
    "logo": "path of an image served by this server (e.g. /static/logo.svg), shown in the "
            "wall's header",
}


def valid_colour(value: Any) -> bool:
    return isinstance(value, str) and bool(HEX_COLOUR.match(value))


def _expand(colour: str) -> str:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.lower()


def luminance(colour: str) -> float:
    """WCAG relative luminance of a valid hex colour."""
    digits = _expand(colour)[1:]
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def clean_theme(raw: Any) -> dict[str, str]:
    """Only the known keys with valid values, colours normalised to #rrggbb."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if valid_colour(raw.get(key)):
            out[key] = _expand(raw[key])
    logo = raw.get("logo")
    if isinstance(logo, str) and LOCAL_PATH.match(logo) and ".." not in logo:
        out["logo"] = logo
    dark = raw.get("dark", "1")
    out["dark"] = "1" if str(dark).strip().lower() in TRUE_VALUES else "0"
    return out


def is_dark(theme: dict[str, str]) -> bool:
    return theme.get("dark", "1") == "1"


def theme_css(theme: dict[str, str]) -> str:
    """CSS custom properties for a cleaned theme (values already validated)."""
    props: list[str] = []
    if "accent" in theme:
        props.append(f"--accent: {theme['accent']};")
        ink = "#000000" if luminance(theme["accent"]) > 0.35 else "#ffffff"
        props.append(f"--on-accent: {ink};")
    if "background" in theme:
        props.append(f"--bg: {theme['background']};")
        if "text" not in theme:
            dark_bg = luminance(theme["background"]) < 0.2
            props.append(f"--fg: {'#ffffff' if dark_bg else '#111111'};")
            props.append(f"--muted: {'#c9ccd6' if dark_bg else '#44474f'};")
    if "text" in theme:
        props.append(f"--fg: {theme['text']};")
    if "card" in theme:
        props.append(f"--card: {theme['card']};")
    if not props:
        return "/* default theme */\n"
    # `body.theme-*` outranks the defaults in clameur.css, whatever the order of loading.
    return "body.theme-dark, body.theme-light {\n  " + "\n  ".join(props) + "\n}\n"
