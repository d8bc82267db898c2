"""Admin routes after the event: open data exports and the report page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from wall.auth import authorise
from wall.http import error, read_json_object, validation_error
from wall.i18n import LANGUAGES
from wall.models import STATUSES
from wall.reporting.dataset import Dataset, collect
from wall.reporting.formats import items_csv, reactions_csv, readme, to_json, to_ndjson
from wall.reporting.page import render_report
from wall.reporting.stats import build
from wall.routes.pages import page_language
from wall.store.events import get_event, update_event

CSV_TABLES = ("items", "reactions", "readme")


async def _dataset(request: Request) -> Dataset | Response:
    slug = request.path_params["slug"]
    await authorise(request, slug, "admin")
    ds = await collect(request.app.state.redis, slug, request.query_params.get("licence", ""))
    if ds is None:
        return error(404, "unknown_event", "no such event")
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
    if isinstance(ds, Response):
        return ds
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
    return error(400, "bad_request", f"table must be one of {', '.join(CSV_TABLES)}")


async def export_json(request: Request) -> Response:
    ds = await _dataset(request)
    if isinstance(ds, Response):
        return ds
    return _attachment(to_json(ds, _lang(request)), "application/json",
                       f"{ds.event.slug}.json")


async def export_ndjson(request: Request) -> Response:
    ds = await _dataset(request)
    if isinstance(ds, Response):
        return ds
    return _attachment(to_ndjson(ds, _lang(request)), "application/x-ndjson",
                       f"{ds.event.slug}.ndjson")


async def report_page(request: Request) -> Response:
    """The report for admins (`Authorization: Bearer` or `?token=`), `?lang=`, `?tz=`."""
    slug = request.path_params["slug"]
    await authorise(request, slug, "admin")
    event = await get_event(request.app.state.redis, slug)
    if event is None:
        return error(404, "unknown_event", "no such event")
    report = await build(request.app.state.redis, event)
    html = render_report(report, _lang(request), request.query_params.get("tz"),
                         query=dict(request.query_params))
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


async def set_status(request: Request) -> Response:
    """Admins open or close the event: `{"status": "draft"|"open"|"closed"}`; walls and
    audiences get a `status` frame when it changes."""
    slug = request.path_params["slug"]
    await authorise(request, slug, "admin")
    status = (await read_json_object(request)).get("status")
    if status not in STATUSES:
        return validation_error("status", f"status must be one of {', '.join(STATUSES)}")
    if await get_event(request.app.state.redis, slug) is None:
        return error(404, "unknown_event", "no such event")
    event = await update_event(request.app.state.redis, slug, {"status": status})
    return JSONResponse({"slug": slug, "status": event.status})


routes = [
    Route("/api/events/{slug}/status", set_status, methods=["POST"]),
    Route("/e/{slug}/report", report_page, methods=["GET"]),
    Route("/api/events/{slug}/export.csv", export_csv, methods=["GET"]),
    Route("/api/events/{slug}/export.json", export_json, methods=["GET"]),
    Route("/api/events/{slug}/export.ndjson", export_ndjson, methods=["GET"]),
]
