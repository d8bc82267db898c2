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
MAX_ACCEPT_LANGUAGE = 256
MAX_LANGUAGE_TAGS = 16


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
    """The first of our languages in an Accept-Language header, by quality.

    Only a bounded prefix is read (MAX_ACCEPT_LANGUAGE characters, MAX_LANGUAGE_TAGS tags):
    browsers send a few dozen bytes, and a 4 MB header must not hold the event loop."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",", MAX_LANGUAGE_TAGS)
                                 [:MAX_LANGUAGE_TAGS]):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip()[:2].lower()
        if lang not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:8])
            except ValueError:
                q = 0.0
        # Highest quality first; among equals, the earlier tag (a stable sort did the same).
        if q > 0 and (best is None or (q, -index) > (best[0], -best[1])):
            best = (q, index, lang)
    return best[2] if best else default


def from_locale(explicit: str | None = None) -> str:
    """--lang, else CLAMEUR_LANG, else the terminal's locale, else French."""
    for candidate in (explicit, os.environ.get("CLAMEUR_LANG"), os.environ.get("LC_ALL"),
                      os.environ.get("LC_MESSAGES"), os.environ.get("LANG"),
                      locale.getlocale()[0]):
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE
