"""The settings screen's form without Textual: its fields, and the settings of
`GET /settings` turned into text fields and back into the body of `PUT /settings`.

The server checks everything (`wall/eventsettings.py`); the form only splits lists on
commas and sends what was typed, so every refusal is the server's, worded in the desk's
language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

THEME_COLOURS = ("accent", "background", "text", "card")


@dataclass(frozen=True)
class Field:
    """One row of the form: `name` is the setting (`theme.accent` for a theme colour)."""

    name: str
    label: str  # msgid
    kind: str = "text"  # "text", "list" (comma-separated) or "choice"
    hint: str = ""  # msgid
    choices: tuple[tuple[str, str], ...] = ()  # (value, label msgid)

    @property
    def dom_id(self) -> str:
        return self.name.replace(".", "-").replace("_", "-")


FIELDS: tuple[Field, ...] = (
    Field("title", "Title"),
    Field("status", "Lifecycle", "choice", choices=(
        ("draft", "draft: being prepared, not shown"), ("open", "open: the room takes part"),
        ("closed", "closed: the wall says thank you"))),
    Field("languages", "Languages", "list", "fr, en or both, the first one leads"),
    Field("timezone", "Time zone", hint="an IANA name, e.g. Europe/Paris, America/Montreal: "
                                        "the times of the report and of this desk"),
    Field("mode", "Moderation", "choice", choices=(
        ("pre", "pre-moderation"), ("post", "post-moderation"))),
    Field("hashtags", "Hashtags", "list", "without #, separated by commas"),
    Field("sources", "Hashtag sources", "list", "x, mastodon, bluesky"),
    Field("mastodon_instances", "Mastodon instances", "list",
          "e.g. mastodon.social, piaille.fr"),
    Field("sms_number", "SMS number", hint="E.164, e.g. +33612345678 (empty: no SMS)"),
    Field("sms_keyword", "SMS keyword", hint="one word (a shared number's messages)"),
    Field("reactions", "Reactions", "list", "clap, heart, laugh, wow, question"),
    Field("blocked_words", "Words added to the word list", "list",
          "separated by commas"),
    Field("allowed_words", "Words taken out of the word list", "list",
          "separated by commas"),
    Field("links", "Links in messages", "choice", choices=(
        ("allow", "allowed"), ("remove", "replaced by a mark"),
        ("block", "the message is rejected"))),
    Field("frame_ancestors", "Sites that may frame the wall", hint=(
        "'self', 'none' or https://site, separated by spaces (empty: the server's)")),
    Field("theme.dark", "Wall background", "choice", choices=(
        ("1", "dark"), ("0", "light"))),
    Field("theme.accent", "Accent colour", hint="#rrggbb (empty: the default)"),
    Field("theme.background", "Background colour", hint="#rrggbb (empty: the default)"),
    Field("theme.text", "Text colour", hint="#rrggbb (empty: chosen for the background)"),
    Field("theme.card", "Card colour", hint="#rrggbb (empty: the default)"),
)
BY_NAME = {f.name: f for f in FIELDS}


def to_form(settings: dict[str, Any]) -> dict[str, str]:
    """Each field's text as the form shows it."""
    theme = settings.get("theme") or {}
    values: dict[str, str] = {}
    for field in FIELDS:
        if field.name.startswith("theme."):
            key = field.name.split(".", 1)[1]
            default = "1" if key == "dark" else ""
            values[field.name] = str(theme.get(key, default))
            if key == "dark":
                values[field.name] = "0" if values[field.name] in ("0", "false", "no", "off",
                                                                    "light") else "1"
        elif field.kind == "list":
            values[field.name] = ", ".join(str(v) for v in settings.get(field.name) or [])
        else:
            values[field.name] = str(settings.get(field.name, ""))
    return values


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def theme_of(values: dict[str, str], saved: dict[str, Any]) -> dict[str, Any]:
    """The theme to send: the colours typed (an empty one is left out: the default), the
    palette, and what the form does not show (the logo) as saved."""
    theme = {k: v for k, v in saved.items() if k not in THEME_COLOURS and k != "dark"}
    for key in THEME_COLOURS:
        colour = values.get(f"theme.{key}", "").strip()
        if colour:
            theme[key] = colour
    theme["dark"] = values.get("theme.dark", "1") or "1"
    return theme


def to_body(values: dict[str, str], saved_theme: dict[str, Any]) -> dict[str, Any]:
    """The body of `PUT /settings`: every field of the form, as typed."""
    body: dict[str, Any] = {}
    for field in FIELDS:
        if field.name.startswith("theme."):
            continue
        text = values.get(field.name, "")
        body[field.name] = split_list(text) if field.kind == "list" else text.strip()
    body["theme"] = theme_of(values, saved_theme)
    return body


def field_of(problem_field: str) -> str:
    """The form row a server problem belongs to: a field, "theme" (the contrast line, under
    the colours) or "" (the screen's message line)."""
    if problem_field in BY_NAME or problem_field == "theme":
        return problem_field
    return ""
