"""HTML pages: the audience's phone page and the projected wall, in French or English.

Also the two small resources the wall needs from the server: the QR code of the audience
page (`/e/{slug}/qr.svg`) and the event's theme as CSS custom properties
(`/wall/{slug}/theme.css`), so that no page needs inline styles.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from wall.appstate import app_state
from wall.i18n import DEFAULT_LANGUAGE, LANGUAGES, from_accept_language, translations
from wall.identity import device_id, set_device_cookie
from wall.models import Event
from wall.moderation.charter import charter_for, followed_sources
from wall.paths import resource_dir
from wall.qr import qr_svg, short_url
from wall.routes._shared import audience_url, page_language
from wall.security import CSP
from wall.store.events import get_event
from wall.theme import clean_theme, is_dark, theme_css

# The strings the pages' JavaScript shows: sent to the browser in the page's language.
JS_MESSAGES = (
    "Anonymous",
    "Pinned",
    "Sending…",
    "Sent! It will appear once a moderator approves it.",
    "Sent and shown on the wall.",
    "Your message is on the wall!",
    "Write a message first.",
    "Too long: at most 500 characters.",
    "Your name is too long (60 characters at most).",
    "Too fast! Wait {seconds} s and try again.",
    "This event is closed: posting is over.",
    "This event has not started yet.",
    "You are offline: your message will be sent when the connection is back.",
    "The server is busy: your message will be sent again shortly.",
    "Something went wrong ({status}). Your message is still here: try again in a moment.",
    "{count} characters left",
    "{count} message on the wall",
    "{count} messages on the wall",
    "Sensitive image hidden",
    # Questions and polls (static/questions.js, static/polls.js).
    "Questions from the room", "No question yet.", "No question yet: ask yours from your phone!",
    "Ask it as a question (the room can upvote it)", "Upvote", "Answered",
    "Follow-up promised", "vote", "votes", "{count} vote", "{count} votes",
    "Vote now", "Vote now on your phone", "Poll closed: final results", "No poll yet.",
    "{count} word sent", "{count} words sent", "Your word", "One word or a short phrase",
    "Send", "Your vote: {choice}", "Your word is counted.", "This poll is closed.",
    "One word or a short phrase, please (40 characters at most).",
    "This poll is no longer available.",
    "You are offline: vote again when the connection is back.",
    "Your vote was not counted ({status}): try again.",
    # Captions, the charter and the author's own posts (static/captions.js, charter.js).
    "Show the captions", "Hide the captions", "Read the charter", "Hide the charter",
    "On the wall", "Waiting for a moderator", "Withdrawn",
    "Not shown — outside the charter: {rule}", "Not shown by the moderators", "Withdraw",
    "Withdraw: {text}", "Withdraw this message? It leaves the wall and the moderators' queue.",
    "Your message was withdrawn.", "It could not be withdrawn ({status}): try again.",
    # The wall as text and the live announcements (static/mirror.js, static/feed.js).
    "The wall shows the messages.", "The wall shows the questions from the room.",
    "The wall shows a poll.", "The event is over: the wall says thank you.",
    "Poll: {question}", "Poll open: {question}", "Poll closed: {question}",
    "New on the wall: {author}:", "Pinned on the wall:", "{count} new messages on the wall",
)
REACTION_LABELS = {"clap": "Applause", "heart": "Love", "laugh": "Laughter", "wow": "Wow",
                   "question": "Question"}
THEME_CACHE = "public, max-age=30"


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(resource_dir("templates")),
                      autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"])
    return env


def render(request: Request, template: str, status: int = 200, lang: str = "",
           **context: Any) -> Response:
    lang = lang or page_language(request)
    env = app_state(request).templates
    tmpl = env.get_template(template)
    trans = translations(lang)
    js_catalog = {m: trans.gettext(m) for m in JS_MESSAGES}
    html = tmpl.render(lang=lang, catalog=js_catalog, _=trans.gettext,
                       gettext=trans.gettext, ngettext=trans.ngettext, request=request,
                       **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("clameur_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def page_context(request: Request, event: Event) -> dict[str, Any]:
    theme = clean_theme(event.theme)
    url = audience_url(request, event.slug)
    return {"event": event, "theme": theme, "dark": is_dark(theme), "join_url": url,
            "short_url": short_url(url), "reaction_labels": REACTION_LABELS}


def event_language(event: Event) -> str:
    """The first of the event's languages that the pages speak."""
    for lang in event.languages:
        if lang[:2].lower() in LANGUAGES:
            return lang[:2].lower()
    return DEFAULT_LANGUAGE


def wall_language(request: Request, event: Event) -> str:
    """`?lang=`, else the event's first language: the projector's browser says nothing
    about the room (it is often an English laptop at a French event)."""
    chosen = request.query_params.get("lang", "")
    return chosen if chosen in LANGUAGES else event_language(event)


def audience_language(request: Request, event: Event) -> str:
    """A phone's own choice (`?lang=`, then the FR/EN switch's cookie), else its browser's
    language when that is French or English, else the event's first language."""
    chosen = request.query_params.get("lang") or request.cookies.get("clameur_lang", "")
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("accept-language", ""),
                                default=event_language(event))


def not_open(request: Request, event: Event, lang: str) -> Response:
    """A draft's page: says it is not open yet (in the language the page would speak),
    shows the event once it opens, shows none of its settings (title, hashtags, SMS
    number, theme) and sets nothing."""
    response = render(request, "not_open.html", lang=lang)
    response.headers["Cache-Control"] = "no-store"
    return response


async def audience_page(request: Request) -> Response:
    """The phone page. It also sets the signed device cookie when the phone has none, so
    that its socket and its first post already carry it (a post answered with a new
    cookie and then retried would count as another device's)."""
    event = await get_event(app_state(request).redis, request.path_params["slug"])
    if event is None:
        return render(request, "not_found.html", status=404)
    if event.status == "draft":
        return not_open(request, event, audience_language(request, event))
    lang = audience_language(request, event)
    response = render(request, "audience.html", lang=lang, **page_context(request, event),
                      charter=charter_for(event, lang), followed=followed_sources(event))
    device, new = device_id(request)
    if new:
        set_device_cookie(request, response, device)
    return response


async def wall_page(request: Request) -> Response:
    event = await get_event(app_state(request).redis, request.path_params["slug"])
    if event is None:
        return render(request, "not_found.html", status=404)
    if event.status == "draft":
        return not_open(request, event, wall_language(request, event))
    response = render(request, "wall.html", lang=wall_language(request, event),
                      **page_context(request, event))
    if event.frame_ancestors:  # checked when saved (wall/eventsettings.py)
        response.headers["content-security-policy"] = CSP.format(
            frame_ancestors=event.frame_ancestors)
    return response


async def qr_code(request: Request) -> Response:
    event = await get_event(app_state(request).redis, request.path_params["slug"])
    if event is None or event.status == "draft":
        return Response("not found", status_code=404, media_type="text/plain")
    # Not `public`: no shared cache keeps (or serves to another room) a join URL.
    return Response(qr_svg(audience_url(request, event.slug)), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-cache"})


async def theme_stylesheet(request: Request) -> Response:
    event = await get_event(app_state(request).redis, request.path_params["slug"])
    shown = event is not None and event.status != "draft"
    css = theme_css(clean_theme(event.theme)) if event and shown else "/* unknown event */\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": THEME_CACHE})


routes = [
    Route("/e/{slug}", audience_page, methods=["GET"]),
    Route("/e/{slug}/qr.svg", qr_code, methods=["GET"]),
    Route("/wall/{slug}", wall_page, methods=["GET"]),
    Route("/wall/{slug}/theme.css", theme_stylesheet, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=resource_dir("static")), name="static"),
]
