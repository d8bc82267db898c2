"""French and English: gettext catalogs (`locale/<lang>/LC_MESSAGES/*.po`) read with Babel.

Each part of the product keeps its own catalog (`pages.po`, `tui.po`, `sms.po`...); all the
catalogs of a language are merged. The .po files are read at start-up, so no compile step
is needed to run from a checkout.
"""

from __future__ import annotations

import locale
import os
from functools import cache

from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from wall.paths import resource_dir

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


@cache
def translations(lang: str) -> NullTranslations:
    folder = resource_dir("locale") / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return NullTranslations()
    merged: dict[str, str] = {}
    for po in files:
        with po.open("rb") as fh:
            merged.update({m.id: m.string for m in read_po(fh, locale=lang)
                           if isinstance(m.id, str) and m.id and isinstance(m.string, str)
                           and m.string})
    trans = Translations()
    trans._catalog = merged  # type: ignore[assignment]
    return trans


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def catalog(lang: str) -> dict[str, str]:
    """The whole catalog, for the pages' JavaScript."""
    trans = translations(lang)
    return dict(getattr(trans, "_catalog", {}))


def from_accept_language(header: str, default: str = DEFAULT_LANGUAGE) -> str:
    """The first of our languages in an Accept-Language header, by quality."""
    choices: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        choices.append((q, tag.strip().lower()[:2]))
    for _, lang in sorted(choices, key=lambda c: -c[0]):
        if lang in LANGUAGES:
            return lang
    return default


def from_locale(explicit: str | None = None) -> str:
    """--lang, else CLAMEUR_LANG, else the terminal's locale, else French."""
    for candidate in (explicit, os.environ.get("CLAMEUR_LANG"), os.environ.get("LC_ALL"),
                      os.environ.get("LC_MESSAGES"), os.environ.get("LANG"),
                      locale.getlocale()[0]):
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE
