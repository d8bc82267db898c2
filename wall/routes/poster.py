"""The room's poster for the desk (`P`): `GET /api/events/{slug}/poster?size=a4|a3`, for a
moderator or admin token of the event.

The same page as `clameur poster` (`wall/poster.py`), for the audience URL the wall's own QR
code shows (`CLAMEUR_PUBLIC_URL`, else the room address): a PDF printed by Chromium, or the
standalone HTML (`?format=html`, or when this server has no Chromium: the desk then saves
an .html file that any browser prints).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import Invalid
from wall.poster import SIZES, ChromiumMissing, poster_html, poster_logo, poster_pdf
from wall.routes._shared import audience_url, known_event


async def poster(request: Request) -> Response:
    await authorise(request, request.path_params["slug"])
    event = await known_event(request)
    size = request.query_params.get("size", "a4")
    if size not in SIZES:
        raise Invalid("size", f"size must be one of {', '.join(SIZES)}")
    base = audience_url(request, event.slug).removesuffix(f"/e/{event.slug}")
    logo = await poster_logo(app_state(request).redis, event)
    html = poster_html(event, base, size, standalone=True, logo=logo)
    name = f"poster-{event.slug}-{size}"
    if request.query_params.get("format") != "html":
        try:
            pdf = await poster_pdf(html, size)
        except ChromiumMissing:
            pass
        else:
            return Response(pdf, media_type="application/pdf", headers={
                "Content-Disposition": f'attachment; filename="{name}.pdf"',
                "Cache-Control": "no-store"})
    return Response(html, media_type="text/html; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.html"',
        "Cache-Control": "no-store"})


routes = [Route("/api/events/{slug}/poster", poster, methods=["GET"])]
