"""The event's logo file: sent by an admin, served to anyone who sees the wall.

| route | answers |
| --- | --- |
| `PUT /api/events/{slug}/logo` | admin token; the image itself as the body (any `Content-Type`): |
|  | PNG, JPEG or WebP by its first bytes, at most 512 KB (`413` past it, counted as it |
|  | arrives), at most 4,096 pixels a side; SVG refused (`415`); nothing stored on a refusal, |
|  | the message in the caller's language → `200 {"logo", "type", "size", "hash"}`; the |
|  | theme's `logo` becomes `"/e/{slug}/logo?v=<8 hex digits>"` |
| `DELETE /api/events/{slug}/logo` | admin token; the file and the theme's `logo` removed → |
|  | `200 {"logo": null, "removed": bool}` |
| `GET /e/{slug}/logo` | anyone: the bytes with their type, `ETag`, `Cache-Control: public, |
|  | max-age=300` (`304` for a matching `If-None-Match`); `404` when none, or the event is a |
|  | draft (its pages show none of its settings) |
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.eventsettings import HARD_TO_READ, low_contrast_said
from wall.http import ApiError, BodyError, NotFound, read_body
from wall.i18n import gettext
from wall.logo import MAX_BYTES, TOO_BIG, LogoRefused, check_logo, logo_url
from wall.routes._shared import caller_language, known_event
from wall.store.events import EventError, get_event, update_event
from wall.store.logo import Logo, delete_logo, get_logo, save_logo
from wall.theme import clean_theme

CACHE = "public, max-age=300"


def _refuse(request: Request, status: int, code: str, msgid: str, **values: str) -> ApiError:
    """A refusal worded in the caller's language (Accept-Language), like the settings'."""
    message = gettext(caller_language(request), msgid).format(**values)
    return ApiError(status, code, message, detail=[{"field": "logo", "message": message}])


async def put_logo(request: Request) -> Response:
    """Check the file, then keep it and point the theme at it; nothing kept on a refusal."""
    slug = request.path_params["slug"]
    await authorise(request, slug, role="admin")
    event = await known_event(request)
    try:
        body = await read_body(request, MAX_BYTES)
    except BodyError as exc:
        if exc.status_code == 413:  # read_body's own message is English only
            raise _refuse(request, 413, "too_large", TOO_BIG) from None
        raise
    try:
        media_type = check_logo(body)
    except LogoRefused as refused:
        raise _refuse(request, refused.status, refused.code, refused.msgid,
                      **refused.values) from None
    logo = Logo.of(media_type, body)
    url = logo_url(slug, logo.digest)
    theme = {**event.theme, "logo": url}
    # Judged before anything is kept: an old theme saved before the contrast check.
    hard = low_contrast_said(clean_theme(theme), caller_language(request))
    if hard:
        raise _refuse(request, 422, "validation", HARD_TO_READ, value=hard)
    redis = app_state(request).redis
    await save_logo(redis, slug, logo)
    try:
        await update_event(redis, slug, {"theme": theme})
    except EventError as exc:  # the event was deleted meanwhile
        await delete_logo(redis, slug)
        raise NotFound("unknown_event", str(exc)) from None
    return JSONResponse({"logo": url, "type": media_type, "size": len(body),
                         "hash": logo.digest})


async def remove_logo(request: Request) -> Response:
    """No logo any more: the file, and the theme's `logo` whatever it pointed at."""
    slug = request.path_params["slug"]
    await authorise(request, slug, role="admin")
    event = await known_event(request)
    redis = app_state(request).redis
    removed = await delete_logo(redis, slug)
    if "logo" in event.theme:
        theme = {k: v for k, v in event.theme.items() if k != "logo"}
        await update_event(redis, slug, {"theme": theme})
    return JSONResponse({"logo": None, "removed": removed})


async def serve_logo(request: Request) -> Response:
    """The file as sent; `?v=` is ignored (it only makes a new file a new URL)."""
    slug = request.path_params["slug"]
    redis = app_state(request).redis
    event = await get_event(redis, slug)
    logo = await get_logo(redis, slug) if event and event.status != "draft" else None
    if logo is None:
        raise NotFound("no_logo", "this event has no logo")
    etag = f'"{logo.digest}"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if etag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers=headers)
    # X-Content-Type-Options: nosniff comes with every answer (wall/door.py).
    return Response(logo.body, media_type=logo.media_type, headers=headers)


routes = [
    Route("/api/events/{slug}/logo", put_logo, methods=["PUT"]),
    Route("/api/events/{slug}/logo", remove_logo, methods=["DELETE"]),
    Route("/e/{slug}/logo", serve_logo, methods=["GET"]),
]
