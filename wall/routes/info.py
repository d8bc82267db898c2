"""Pages that explain: the deployment's accessibility statement and an event's easy-read
"how to take part" page, each in French and English.

The statement (`/accessibilite`, `/accessibility`) follows the structure of the RGAA's model
statement. Its state of conformance and test results come from `wall/accessibility.json`,
the record of what the accessibility suite (`tests/test_accessibility.py`) checks: that
test fails when the record lists a page, a state, a language or a screen size the suite
does not check, or another axe-core version than the one it runs, so the page claims no
more than a passing suite shows (docs/accessibility.md).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.i18n import translations
from wall.routes._shared import page_language
from wall.store.events import get_event

# In the package (wall/), so that a wheel has it too.
RECORD = Path(__file__).resolve().parents[1] / "accessibility.json"
# What each checked page or state is, as the statement lists it.
PAGE_LABELS = {
    "audience-open": "Phone page of an open event, with messages, a pinned message and a "
                     "message in another language",
    "audience-closed": "Phone page of a closed event",
    "audience-draft": "Phone page of an event not open yet",
    "audience-offline": "Phone page without a connection, a message waiting to be sent",
    "audience-posting": "Phone page after sending a message",
    "audience-questions": "Phone page with questions from the room",
    "audience-poll": "Phone page with an open poll",
    "audience-words": "Phone page with a word cloud",
    "wall-feed": "Projected wall showing messages",
    "wall-questions": "Projected wall showing the questions",
    "wall-poll": "Projected wall showing a poll",
    "wall-words": "Projected wall showing a word cloud",
    "wall-closed": "Projected wall's thank-you screen",
    "report": "Event report",
    "not-found": "Page of an event that does not exist",
    "statement": "This accessibility statement",
    "take-part": "Easy-read page: how to take part",
}
PATHS = {"statement": {"fr": "/accessibilite", "en": "/accessibility"},
         "take-part": {"fr": "/e/{slug}/participer", "en": "/e/{slug}/take-part"}}


@cache
def conformance_record() -> dict[str, Any]:
    """The committed record of what the accessibility suite checks (read once)."""
    record: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return record


def _render(request: Request, template: str, lang: str, status: int = 200,
            **context: Any) -> Response:
    trans = translations(lang)
    html = app_state(request).templates.get_template(template).render(
        lang=lang, _=trans.gettext, gettext=trans.gettext, ngettext=trans.ngettext,
        request=request, dark=False, **context)
    return HTMLResponse(html, status_code=status)


def _contact(value: str) -> dict[str, str] | None:
    """The contact setting as a link: an e-mail address or an https:// page."""
    value = value.strip()
    if value.startswith("https://") or value.startswith("http://"):
        return {"href": value, "text": value}
    if "@" in value and " " not in value and ":" not in value:
        return {"href": f"mailto:{value}", "text": value}
    return {"href": "", "text": value} if value else None


def _host(request: Request) -> str:
    public = app_state(request).settings.public_url
    return urlsplit(public).hostname or "" if public else request.url.hostname or ""


def statement_lang(request: Request) -> str:
    """French at /accessibilite, English at /accessibility."""
    return "fr" if request.url.path.rstrip("/") == PATHS["statement"]["fr"] else "en"


async def statement(request: Request) -> Response:
    """The deployment's accessibility statement, in the RGAA model's structure."""
    lang = statement_lang(request)
    settings = app_state(request).settings
    record = conformance_record()
    checks = len(record["pages"]) * len(record["languages"]) * len(record["viewports"])
    return _render(request, "accessibility.html", lang, record=record, checks=checks,
                   labels=PAGE_LABELS, host=_host(request),
                   entity=settings.accessibility_entity.strip(),
                   contact=_contact(settings.accessibility_contact),
                   other=PATHS["statement"]["en" if lang == "fr" else "fr"])


async def take_part(request: Request) -> Response:
    """An event's easy-read page: how to take part, step by step."""
    slug = request.path_params["slug"]
    lang = "fr" if request.url.path.rstrip("/").endswith("/participer") else "en"
    event = await get_event(app_state(request).redis, slug)
    if event is None or event.status == "draft":
        return _render(request, "not_found.html", page_language(request), status=404)
    other = "en" if lang == "fr" else "fr"
    return _render(request, "take_part.html", lang, event=event,
                   other=PATHS["take-part"][other].format(slug=slug),
                   statement=PATHS["statement"][lang])


routes = [
    Route(PATHS["statement"]["fr"], statement, methods=["GET"]),
    Route(PATHS["statement"]["en"], statement, methods=["GET"]),
    Route(PATHS["take-part"]["fr"], take_part, methods=["GET"]),
    Route(PATHS["take-part"]["en"], take_part, methods=["GET"]),
]
