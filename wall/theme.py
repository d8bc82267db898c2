"""Per-event themes: the keys an organiser may set, validated before they reach any CSS,
and checked for contrast (WCAG 2.1 AA) before they are saved.

An event's `theme` dict is free-form in storage; only the keys below are used, and only
when their value passes validation (a colour must be `#rgb` or `#rrggbb`; a logo must be a
path on this server). Anything else is ignored, so a stored value can never inject CSS.

`palette()` is the one place that turns a theme into the colours the pages use (the
palette of `static/clameur.css` with the theme's colours and the inks chosen for them);
`theme_css()` writes it out and `contrast_problems()` checks every pair of it that carries
text or a control's outline. `check_theme()` refuses a theme with any problem: the store
calls it whenever a theme is saved (`clameur event create/update --theme`, or any route).
"""

from __future__ import annotations

import re
from typing import Any

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# A path on this server, with an optional plain query (the uploaded logo's `?v=<hash>`):
# no scheme, no host, no `//`, nothing that could leave the origin.
LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9._~/%-]{1,300}(?:\?[A-Za-z0-9._~=&%-]{1,100})?$")
COLOUR_KEYS = ("accent", "background", "text", "card")
TRUE_VALUES = ("1", "true", "yes", "on", "dark")
THEME_KEYS: dict[str, str] = {
    "dark": "\"1\" (default) for light text on a dark background, \"0\" for a light wall",
    "accent": "colour of highlights, badges, the meter and buttons (#rgb or #rrggbb)",
    "background": "page background colour; text turns black or white to keep contrast",
    "text": "text colour (overrides the automatic choice)",
    "card": "background colour of the wall's cards",
    "logo": "path of an image served by this server (e.g. /static/logo.svg; an uploaded "
            "logo file sets /e/<slug>/logo?v=<hash>), shown in the wall's header",
}
# The two palettes of static/clameur.css (`.theme-dark`, `.theme-light`): keep in step.
BASE_PALETTES: dict[str, dict[str, str]] = {
    "1": {"bg": "#0e1117", "fg": "#f5f6f8", "muted": "#b9bdc9", "card": "#1a1f2b",
          "accent": "#ff5a36", "on-accent": "#000000", "ok": "#5ad17a", "on-ok": "#000000",
          "bad": "#ff8a80"},
    "0": {"bg": "#f5f2eb", "fg": "#15171c", "muted": "#464a54", "card": "#ffffff",
          "accent": "#c8361a", "on-accent": "#ffffff", "ok": "#1d7a3a", "on-ok": "#ffffff",
          "bad": "#b3261e"},
}
# WCAG 2.1 AA for normal-size text (1.4.3); it also covers the 3:1 of focus outlines and
# field borders drawn in these colours (1.4.11). The pages use no colour pair below.
AA_TEXT = 4.5
# (foreground, background, what a person sees there): every pair the pages draw.
CHECKED_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("fg", "bg", "text on the page background"),
    ("fg", "card", "text on cards and boxes"),
    ("muted", "bg", "secondary text and field borders on the page background"),
    ("muted", "card", "secondary text on cards and boxes"),
    ("accent", "bg", "accent-coloured text (hashtags, focus outline) on the page background"),
    ("accent", "card", "accent-coloured text (labels, counts) on cards and boxes"),
    ("on-accent", "accent", "text on accent buttons and badges"),
    ("ok", "bg", "confirmations on the page background"),
    ("ok", "card", "confirmations on cards and boxes"),
    ("on-ok", "ok", "text on confirmation badges"),
    ("bad", "bg", "warnings on the page background"),
    ("bad", "card", "warnings on cards and boxes"),
)


class ThemeError(ValueError):
    """A theme that would make some text of the pages unreadable (below WCAG AA)."""


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


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two valid hex colours (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _best_ink(background: str, candidates: tuple[str, ...]) -> str:
    """The first candidate that reaches 7:1 on `background`, else the one that contrasts
    most (black or white always reaches 4.58:1, whatever the background)."""
    for ink in candidates:
        if contrast(ink, background) >= 7:
            return ink
    return max(candidates, key=lambda ink: contrast(ink, background))


def clean_theme(raw: Any) -> dict[str, str]:
    """Only the known keys with valid values, colours normalised to #rrggbb."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if valid_colour(raw.get(key)):
            out[key] = _expand(raw[key])
    logo = raw.get("logo")
    if isinstance(logo, str) and LOCAL_PATH.fullmatch(logo) and ".." not in logo:
        out["logo"] = logo
    dark = raw.get("dark", "1")
    out["dark"] = "1" if str(dark).strip().lower() in TRUE_VALUES else "0"
    return out


def is_dark(theme: dict[str, str]) -> bool:
    return theme.get("dark", "1") == "1"


def palette(theme: dict[str, str]) -> dict[str, str]:
    """The colours a cleaned theme gives the pages: its base palette, the theme's colours,
    and the inks picked for them (text on a chosen background, ink on the accent; the
    status colours of the palette whose background is as light as the chosen one)."""
    colours = dict(BASE_PALETTES["1" if is_dark(theme) else "0"])
    if "accent" in theme:
        colours["accent"] = theme["accent"]
        colours["on-accent"] = _best_ink(theme["accent"], ("#000000", "#ffffff"))
    if "background" in theme:
        background = colours["bg"] = theme["background"]
        like = BASE_PALETTES["1" if contrast("#ffffff", background) >= contrast(
            "#000000", background) else "0"]
        for name in ("ok", "on-ok", "bad"):
            colours[name] = like[name]
        if "text" not in theme:
            colours["fg"] = _best_ink(background, ("#ffffff", "#111111", "#000000"))
            muted = like["muted"]
            colours["muted"] = muted if contrast(muted, background) >= AA_TEXT else colours["fg"]
    if "text" in theme:
        colours["fg"] = theme["text"]
    if "card" in theme:
        colours["card"] = theme["card"]
    return colours


# One pair below AA, said for a person (an English msgid: wall/eventsettings.py words it in
# the desk's language, `what` too).
LOW_PAIR = "{what}: {fg} on {bg} is {ratio}:1, needs {need}:1"


def low_contrast(theme: dict[str, str]) -> list[dict[str, str]]:
    """Every pair of the theme's palette below AA: what it is (an English msgid), its two
    colours, its ratio (rounded down) and the ratio needed — the values of LOW_PAIR."""
    colours = palette(theme)
    low = []
    for fg, bg, what in CHECKED_PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        if ratio < AA_TEXT:
            low.append({"what": what, "fg": colours[fg], "bg": colours[bg],
                        "ratio": f"{int(ratio * 100) / 100:.2f}", "need": str(AA_TEXT)})
    return low


def contrast_problems(theme: dict[str, str]) -> list[str]:
    """Every pair of the theme's palette below AA, said in English: what, ratio, need."""
    return [LOW_PAIR.format(**pair) for pair in low_contrast(theme)]


def lowest_contrast(theme: dict[str, str]) -> float:
    """The lowest contrast ratio among the pairs the pages draw (what the desk shows live)."""
    colours = palette(theme)
    return min(contrast(colours[fg], colours[bg]) for fg, bg, _ in CHECKED_PAIRS)


def check_theme(raw: Any) -> dict[str, str]:
    """The cleaned theme, or ThemeError naming each pair below WCAG AA and what to change."""
    theme = clean_theme(raw)
    problems = contrast_problems(theme)
    if problems:
        raise ThemeError("theme refused, some text would be hard to read (WCAG 2.1 AA "
                         "contrast): " + "; ".join(problems) + ". Change the colours named "
                         "(`dark` picks the palette the others complete).")
    return theme


def theme_css(theme: dict[str, str]) -> str:
    """CSS custom properties for a cleaned theme: the colours it changes in its palette."""
    if not any(key in theme for key in COLOUR_KEYS):
        return "/* default theme */\n"
    base = BASE_PALETTES["1" if is_dark(theme) else "0"]
    props = [f"--{name}: {value};" for name, value in palette(theme).items()
             if value != base[name]]
    if not props:
        return "/* default theme */\n"
    # `body.theme-*` outranks the defaults in clameur.css, whatever the order of loading.
    return "body.theme-dark, body.theme-light {\n  " + "\n  ".join(props) + "\n}\n"
