"""What an admin may change in an event's settings from the desk (`PUT .../settings`),
checked field by field before anything is saved.

`check_settings` returns the changes to save, or every problem at once as (field, message)
pairs in English msgids that `wall/i18n.py` translates: an invalid colour, an unknown source,
an SMS number not in E.164, a hashtag with `#` or spaces, an unknown time zone... Nothing is
saved half-way: the route saves all the changes in one write (`update_event`) or none.
"""

from __future__ import annotations

import re
from typing import Any

from wall.i18n import gettext
from wall.models import DEFAULT_REACTIONS, HASHTAG_SOURCES, MODES, STATUSES
from wall.theme import COLOUR_KEYS, LOW_PAIR, clean_theme, low_contrast, valid_colour
from wall.timezones import MAX_NAME, UNKNOWN_ZONE, valid_timezone

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
HASHTAG = re.compile(r"^\w{1,60}$")
KEYWORD = re.compile(r"^[A-Za-z0-9]{1,20}$")
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}"
                  r"[a-z0-9])?)+$")
FRAME_SOURCE = re.compile(r"^(?:'self'|'none'|https?://(?:\*\.)?[a-z0-9.-]{1,253}"
                          r"(?::[0-9]{1,5})?)$")
MAX_FRAME_SOURCES = 8
LANGUAGE_CODES = ("fr", "en")
LINKS = ("allow", "remove", "block")
MAX_TITLE = 120
MAX_WORD = 40
MAX_LIST = 200
EDITABLE = ("title", "hashtags", "sources", "mastodon_instances", "sms_number", "sms_keyword",
            "languages", "mode", "reactions", "blocked_words", "allowed_words", "theme", "links",
            "status", "frame_ancestors", "timezone")

HARD_TO_READ = "some text would be hard to read: {value}"
Problem = tuple[str, str, dict[str, str]]  # field, msgid, values for its {placeholders}


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or len(value) > MAX_LIST or \
            not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value if v.strip()]


def _check_list(field: str, value: Any, problems: list[Problem]) -> list[str] | None:
    found = _strings(value)
    if found is None:
        problems.append((field, "must be a list of texts", {}))
    return found


def check_settings(body: dict[str, Any], lang: str = "en") -> tuple[dict[str, Any],
                                                                    list[Problem]]:
    """(changes, problems): the changes are only to be saved when there is no problem.
    `lang` words the one value that is itself a text to read (the colour pairs below AA)."""
    changes: dict[str, Any] = {}
    problems: list[Problem] = []
    for field in body:
        if field not in EDITABLE:
            problems.append((field, "unknown setting", {}))
    if "title" in body:
        title = body["title"]
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            problems.append(("title", "a title is 1 to 120 characters", {}))
        else:
            changes["title"] = title.strip()
    if "hashtags" in body and (tags := _check_list("hashtags", body["hashtags"], problems)) \
            is not None:
        bad = [t for t in tags if not HASHTAG.match(t)]
        if bad:
            problems.append(("hashtags", "a hashtag is written without # and without spaces: "
                                         "{value}", {"value": bad[0]}))
        changes["hashtags"] = tags
    if "sources" in body and (sources := _check_list("sources", body["sources"], problems)) \
            is not None:
        unknown = [s for s in sources if s not in HASHTAG_SOURCES]
        if unknown:
            problems.append(("sources", "unknown source: {value} (x, mastodon, bluesky)",
                             {"value": unknown[0]}))
        changes["sources"] = list(dict.fromkeys(sources))
    if "mastodon_instances" in body and (hosts := _check_list(
            "mastodon_instances", body["mastodon_instances"], problems)) is not None:
        bad = [h for h in hosts if not HOST.match(h.lower())]
        if bad:
            problems.append(("mastodon_instances", "not a server name: {value}",
                             {"value": bad[0]}))
        changes["mastodon_instances"] = [h.lower() for h in hosts]
    if "sms_number" in body:
        number = body["sms_number"]
        if not isinstance(number, str) or (number and not E164.match(number)):
            problems.append(("sms_number", "an SMS number is written in E.164: + then the "
                                           "country code and the number, e.g. +33612345678",
                             {}))
        else:
            changes["sms_number"] = number
    if "sms_keyword" in body:
        keyword = body["sms_keyword"]
        if not isinstance(keyword, str) or (keyword and not KEYWORD.match(keyword)):
            problems.append(("sms_keyword", "an SMS keyword is one word of letters and "
                                            "digits", {}))
        else:
            changes["sms_keyword"] = keyword.upper()
    if "languages" in body and (langs := _check_list("languages", body["languages"],
                                                     problems)) is not None:
        if not langs or any(lang not in LANGUAGE_CODES for lang in langs):
            problems.append(("languages", "languages are fr, en or both", {}))
        changes["languages"] = list(dict.fromkeys(langs))
    for field, allowed in (("mode", MODES), ("links", LINKS), ("status", STATUSES)):
        if field in body:
            if body[field] not in allowed:
                problems.append((field, "must be one of: {value}",
                                 {"value": ", ".join(allowed)}))
            else:
                changes[field] = body[field]
    if "reactions" in body and (kinds := _check_list("reactions", body["reactions"],
                                                     problems)) is not None:
        if not kinds or any(k not in DEFAULT_REACTIONS for k in kinds):
            problems.append(("reactions", "must be one of: {value}",
                             {"value": ", ".join(DEFAULT_REACTIONS)}))
        changes["reactions"] = list(dict.fromkeys(kinds))
    for field in ("blocked_words", "allowed_words"):
        if field in body and (words := _check_list(field, body[field], problems)) is not None:
            if any(len(w) > MAX_WORD for w in words):
                problems.append((field, "a word is at most 40 characters", {}))
            changes[field] = words
    if "theme" in body:
        _check_theme(body["theme"], changes, problems, lang)
    if "frame_ancestors" in body:
        _check_frames(body["frame_ancestors"], changes, problems)
    if "timezone" in body:
        zone = body["timezone"]
        if not valid_timezone(zone):
            problems.append(("timezone", UNKNOWN_ZONE, {"value": str(zone)[:MAX_NAME]}))
        else:
            changes["timezone"] = zone
    return changes, problems


def _check_frames(value: Any, changes: dict[str, Any], problems: list[Problem]) -> None:
    """Sources of CSP frame-ancestors, space-separated; "" gives back the server's."""
    sources = value.replace(",", " ").split() if isinstance(value, str) else None
    bad = [s for s in sources or [] if not FRAME_SOURCE.match(s.lower())]
    if sources is None or bad or len(sources) > MAX_FRAME_SOURCES or \
            ("'none'" in sources and len(sources) > 1):
        problems.append(("frame_ancestors", "sites that may show the wall in a frame: "
                                            "'self', 'none' or addresses like "
                                            "https://example.org: {value}",
                         {"value": (bad or [str(value)])[0]}))
        return
    changes["frame_ancestors"] = " ".join(s.lower() for s in sources)


def low_contrast_said(theme: dict[str, str], lang: str) -> str:
    """The colour pairs of a cleaned theme below AA, in `lang` ("" when there is none)."""
    return "; ".join(gettext(lang, LOW_PAIR).format(**{**pair, "what": gettext(lang, pair["what"])})
                     for pair in low_contrast(theme))


def _check_theme(theme: Any, changes: dict[str, Any], problems: list[Problem],
                 lang: str) -> None:
    if not isinstance(theme, dict):
        problems.append(("theme", "must be an object of colours", {}))
        return
    bad = [k for k in COLOUR_KEYS if k in theme and not valid_colour(theme[k])]
    if bad:
        problems.append((f"theme.{bad[0]}", "not a colour: {value} (write #rrggbb)",
                         {"value": str(theme[bad[0]])}))
        return
    hard = low_contrast_said(clean_theme(theme), lang)
    if hard:
        problems.append(("theme", HARD_TO_READ, {"value": hard}))
        return
    changes["theme"] = theme
