"""After the event (admin token): open data exports and the report page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import ApiError, NotFound
from wall.i18n import LANGUAGES
from wall.reporting.dataset import Dataset, collect
from wall.reporting.formats import items_csv, reactions_csv, readme, to_json, to_ndjson
from wall.reporting.page import render_report
from wall.reporting.stats import build
from wall.routes._shared import known_event, page_language

CSV_TABLES = ("items", "reactions", "readme")


async def _dataset(request: Request) -> Dataset:
    slug = request.path_params["slug"]
    await authorise(request, slug, "admin")
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
    """`?table=items` (default), `reactions` or `readme`; `?delimiter=;` for French Excel."""
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
    if table == "readme":
        text = readme(ds, _lang(request), delimiter,
                      (f"{slug}-items.csv", f"{slug}-reactions.csv"))
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
    """The report for admins (`Authorization: Bearer` or `?token=`), `?lang=`, `?tz=`."""
    await authorise(request, request.path_params["slug"], "admin")
    event = await known_event(request)
    report = await build(app_state(request).redis, event)
    html = render_report(report, _lang(request), request.query_params.get("tz"),
                         query=dict(request.query_params))
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


routes = [
    Route("/e/{slug}/report", report_page, methods=["GET"]),
    Route("/api/events/{slug}/export.csv", export_csv, methods=["GET"]),
    Route("/api/events/{slug}/export.json", export_json, methods=["GET"]),
    Route("/api/events/{slug}/export.ndjson", export_ndjson, methods=["GET"]),
]
