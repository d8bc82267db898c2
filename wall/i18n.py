"""French and English: gettext catalogs (`locale/*/LC_MESSAGES/clameur.po`) read with Babel.

The .po files are read at start-up, so no compile step is needed to run from a checkout.
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
    po = resource_dir("locale") / lang / "LC_MESSAGES" / "clameur.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    trans = Translations()
    trans._catalog = {m.id: m.string for m in catalog if m.id and m.string}  # type: ignore[attr-defined]
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
