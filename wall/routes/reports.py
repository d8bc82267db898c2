"""After the event (admin token): open data exports and the report page.

Scripts send `Authorization: Bearer`. Browsers open a one-time link, made by
`POST /api/events/{slug}/report-links` (the desk) or `clameur report --link`, which sets
the report session cookie and redirects to the report: no token in any URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise, authorise_admin_or_session, start_session
from wall.http import ApiError, NotFound
from wall.i18n import LANGUAGES
from wall.reporting.dataset import Dataset, collect
from wall.reporting.formats import (
    items_csv,
    questions_csv,
    reactions_csv,
    readme,
    to_json,
    to_ndjson,
    transcript_csv,
)
from wall.reporting.page import render_report
from wall.reporting.stats import build
from wall.routes._shared import known_event, page_language
from wall.store.reportlinks import LINK_SECONDS, create_link, use_link

CSV_TABLES = ("items", "reactions", "questions", "transcript", "readme")


async def _dataset(request: Request) -> Dataset:
    slug = request.path_params["slug"]
    await authorise_admin_or_session(request, slug)
    ds = await collect(app_state(request).redis, slug, request.query_params.get("licence", ""))
    if ds is None:
        raise NotFound("unknown_event", "no such event")
    return ds


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang", "")
    return chosen if chosen in LANGUAGES else page_language(request)


def _attachment(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


async def export_csv(request: Request) -> Response:
    """`?table=items` (default), `reactions`, `questions` or `readme`; `?delimiter=;` for
    French Excel."""
    ds = await _dataset(request)
    table = request.query_params.get("table", "items")
    delimiter = ";" if request.query_params.get("delimiter") in (";", "semicolon") else ","
    slug = ds.event.slug
    if table == "items":
        return _attachment(items_csv(ds, delimiter), "text/csv; charset=utf-8",
                           f"{slug}-items.csv")
    if table == "reactions":
        return _attachment(reactions_csv(ds, delimiter), "text/csv; charset=utf-8",
                           f"{slug}-reactions.csv")
    if table == "questions":
        return _attachment(questions_csv(ds, delimiter), "text/csv; charset=utf-8",
                           f"{slug}-questions.csv")
    if table == "transcript":
        return _attachment(transcript_csv(ds, delimiter), "text/csv; charset=utf-8",
                           f"{slug}-transcript.csv")
    if table == "readme":
        text = readme(ds, _lang(request), delimiter,
                      (f"{slug}-items.csv", f"{slug}-reactions.csv", f"{slug}-questions.csv",
                       f"{slug}-transcript.csv"))
        return _attachment(text, "text/markdown; charset=utf-8", f"{slug}-README.md")
    raise ApiError(400, "bad_request", f"table must be one of {', '.join(CSV_TABLES)}")


async def export_json(request: Request) -> Response:
    ds = await _dataset(request)
    return _attachment(to_json(ds, _lang(request)), "application/json",
                       f"{ds.event.slug}.json")


async def export_ndjson(request: Request) -> Response:
    ds = await _dataset(request)
    return _attachment(to_ndjson(ds, _lang(request)), "application/x-ndjson",
                       f"{ds.event.slug}.ndjson")


async def report_page(request: Request) -> Response:
    """The report for admins (bearer token or report session), `?lang=`, `?tz=` (else the
    event's time zone)."""
    await authorise_admin_or_session(request, request.path_params["slug"])
    event = await known_event(request)
    report = await build(app_state(request).redis, event)
    tz = request.query_params.get("tz")
    # The language link keeps only what the page itself reads.
    html = render_report(report, _lang(request), tz, query={"tz": tz} if tz else {})
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def link_path(slug: str, code: str) -> str:
    return f"/e/{slug}/report/open/{code}"


async def create_report_link(request: Request) -> Response:
    """`POST /api/events/{slug}/report-links` (admin): a one-time link to open the report
    in a browser, valid LINK_SECONDS; `path` is relative to the server the caller uses."""
    slug = request.path_params["slug"]
    token = await authorise(request, slug, "admin")
    await known_event(request)
    path = link_path(slug, await create_link(app_state(request).redis, slug, token.id))
    public = app_state(request).settings.public_url.rstrip("/")
    body = {"path": path, "expires_in": LINK_SECONDS}
    if public:
        body["url"] = public + path
    return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})


async def open_report_link(request: Request) -> Response:
    """A one-time link: sets the report session, then redirects to the report (with only
    `lang`/`tz` kept), so the address bar and the history hold no credential."""
    slug, code = request.path_params["slug"], request.path_params["code"]
    token_id = await use_link(app_state(request).redis, slug, code)
    if token_id is None:
        raise ApiError(404, "link_expired", "this report link has expired or was used")
    query = {k: v for k, v in request.query_params.items() if k in ("lang", "tz")}
    target = f"/e/{slug}/report" + (f"?{urlencode(query)}" if query else "")
    response = RedirectResponse(target, status_code=303,
                                headers={"Cache-Control": "no-store"})
    start_session(request, response, slug, token_id)
    return response


routes = [
    Route("/e/{slug}/report", report_page, methods=["GET"]),
    Route("/e/{slug}/report/open/{code}", open_report_link, methods=["GET"]),
    Route("/api/events/{slug}/report-links", create_report_link, methods=["POST"]),
    Route("/api/events/{slug}/export.csv", export_csv, methods=["GET"]),
    Route("/api/events/{slug}/export.json", export_json, methods=["GET"]),
    Route("/api/events/{slug}/export.ndjson", export_ndjson, methods=["GET"]),
]
