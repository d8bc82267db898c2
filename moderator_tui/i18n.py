"""French and English for the desk, from the project's gettext catalogs (msgid = English).

Reads `locale/<lang>/LC_MESSAGES/*.po` (all catalogs of a language merged, as the server
does) without importing the server package: the desk may run on a laptop that only has the
client installed, and it must never pull server code in.
"""

from __future__ import annotations

import locale
import os
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
_ROOT = Path(__file__).resolve().parent.parent
_current = DEFAULT


def _locale_dir() -> Path:
    """`<site-packages>/wall/locale` in a wheel, else `<checkout>/locale`."""
    installed = _ROOT / "wall" / "locale"
    return installed if installed.is_dir() else _ROOT / "locale"


@cache
def catalog(lang: str) -> dict[str, str]:
    folder = _locale_dir() / lang / "LC_MESSAGES"
    merged: dict[str, str] = {}
    for po in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po.open("rb") as fh:
            merged.update({m.id: m.string for m in read_po(fh, locale=lang)
                           if isinstance(m.id, str) and m.id and isinstance(m.string, str)
                           and m.string})
    return merged


def choose(explicit: str | None = None) -> str:
    """--lang, else CLAMEUR_LANG, else the terminal's locale, else French."""
    for candidate in (explicit, os.environ.get("CLAMEUR_LANG"), os.environ.get("LC_ALL"),
                      os.environ.get("LC_MESSAGES"), os.environ.get("LANG"),
                      locale.getlocale()[0]):
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT


def use(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else DEFAULT


def current() -> str:
    return _current


def _(message: str) -> str:
    """The message in the desk's language (English is the msgid itself)."""
    if _current == "en":
        return message
    return catalog(_current).get(message, message)
