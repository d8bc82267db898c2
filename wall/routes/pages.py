"""HTML pages: the audience's phone page and the projected wall, in French or English."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from wall.i18n import LANGUAGES, catalog, from_accept_language, translations
from wall.paths import resource_dir
from wall.store.events import get_event


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(resource_dir("templates")),
                      autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"])
    return env


def page_language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("clameur_lang", "")
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("accept-language", ""))


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    lang = page_language(request)
    env: Environment = request.app.state.templates
    tmpl = env.get_template(template)
    trans = translations(lang)
    html = tmpl.render(lang=lang, catalog=catalog(lang), _=trans.gettext,
                       gettext=trans.gettext, ngettext=trans.ngettext, request=request,
                       **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("clameur_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


async def _event_page(request: Request, template: str) -> Response:
    event = await get_event(request.app.state.redis, request.path_params["slug"])
    if event is None:
        return render(request, "not_found.html", status=404)
    return render(request, template, event=event)


async def audience_page(request: Request) -> Response:
    return await _event_page(request, "audience.html")


async def wall_page(request: Request) -> Response:
    return await _event_page(request, "wall.html")


routes = [
    Route("/e/{slug}", audience_page, methods=["GET"]),
    Route("/wall/{slug}", wall_page, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=resource_dir("static")), name="static"),
]
