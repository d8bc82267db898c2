"""Routes that need an admin token of the event: the moderation mode and the lifecycle.

| route | answers |
| --- | --- |
| `PUT /api/events/{slug}/mode` | `{"mode": "pre"|"post"}` |
| `POST /api/events/{slug}/status` | `{"status": "draft"|"open"|"closed"}`; walls are told |
| `POST /api/events/{slug}/invitations` | `{"expires": "2h", "label"?, "desk"?}` → `201 {"code", |
|  | "link", "qr", ...}`: the browser desk's one-time link and its QR code as text lines |
| `GET /api/events/{slug}/invitations` | `{"invitations": [...]}`: state, who used it and when |
| `DELETE /api/events/{slug}/invitations/{id}` | revokes it, and the token it became |
| `GET /api/events/{slug}/settings` | `{"settings": {...}}`: every field the PUT takes, as saved |
| `POST /api/events/{slug}/settings/check` | the PUT's body checked, nothing saved → `200 |
|  | {"detail": [...], "contrast": ratio or null, "needs": 4.5}` (the desk's live checks) |
| `PUT /api/events/{slug}/settings` | title, hashtags, sources, SMS, languages, mode, reactions, |
|  | words, theme, links, status, frame ancestors, time zone: all checked first |
|  | (`wall/eventsettings.py`), saved at once; |
|  | else `422` with one `detail` entry per field, in the caller's language |
| `POST /api/invitations/redeem` | no token: the one-time `code` is the credential (the web |
|  | desk calls it) → `{"token", "event"}`, `410 {"error": "used"|"expired"|"revoked"}`, `404` |
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.desklink import DESK_URL, desk_base, link_and_qr
from wall.eventsettings import EDITABLE, Problem, check_settings
from wall.http import ApiError, Invalid, NotFound, read_json_object
from wall.i18n import gettext
from wall.models import MODES, STATUSES
from wall.routes._shared import caller_language, known_event
from wall.store.events import EventError, update_event
from wall.store.invitations import (
    UNKNOWN,
    create_invitation,
    list_invitations,
    parse_duration,
    redeem,
    revoke_invitation,
)
from wall.theme import AA_TEXT, clean_theme, lowest_contrast, valid_colour


async def set_mode(request: Request) -> Response:
    """Switch pre/post moderation."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    mode = (await read_json_object(request)).get("mode")
    if mode not in MODES:
        raise Invalid("mode", f"mode must be one of {', '.join(MODES)}")
    updated = await update_event(app_state(request).redis, event.slug, {"mode": mode})
    return JSONResponse({"slug": event.slug, "mode": updated.mode})


async def set_status(request: Request) -> Response:
    """Open or close the event; walls and audiences get a `status` frame when it changes."""
    await authorise(request, request.path_params["slug"], role="admin")
    status = (await read_json_object(request)).get("status")
    if status not in STATUSES:
        raise Invalid("status", f"status must be one of {', '.join(STATUSES)}")
    event = await known_event(request)
    updated = await update_event(app_state(request).redis, event.slug, {"status": status})
    return JSONResponse({"slug": event.slug, "status": updated.status})


def _detail(request: Request, problems: list[Problem]) -> list[dict[str, str]]:
    """One entry per problem, worded in the caller's language (Accept-Language)."""
    lang = caller_language(request)
    return [{"field": field, "message": gettext(lang, msgid).format(**values)}
            for field, msgid, values in problems]


async def get_settings(request: Request) -> Response:
    """What the desk's settings screen starts from: every field the PUT takes."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    return JSONResponse({"settings": {name: getattr(event, name) for name in EDITABLE}})


async def check_settings_only(request: Request) -> Response:
    """The PUT's checks without the write: the desk shows problems and contrast as typed."""
    await authorise(request, request.path_params["slug"], role="admin")
    await known_event(request)
    body = await read_json_object(request)
    _changes, problems = check_settings(body, caller_language(request))
    theme = body.get("theme")
    ratio = None
    if isinstance(theme, dict) and all(valid_colour(v) for k, v in theme.items()
                                       if k in ("accent", "background", "text", "card")):
        ratio = round(lowest_contrast(clean_theme(theme)), 2)
    return JSONResponse({"detail": _detail(request, problems), "contrast": ratio,
                         "needs": AA_TEXT})


async def put_settings(request: Request) -> Response:
    """Change an event's settings from the desk: every field checked, then one write."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    changes, problems = check_settings(await read_json_object(request),
                                       caller_language(request))
    if not problems:
        try:
            updated = await update_event(app_state(request).redis, event.slug, changes)
        except EventError as exc:
            problems = [("settings", "{value}", {"value": str(exc)})]
        else:
            return JSONResponse({"event": updated.public()})
    detail = _detail(request, problems)
    raise ApiError(422, "validation", detail[0]["message"], detail=detail)


async def create_invite(request: Request) -> Response:
    """A one-time invitation for a volunteer moderator; the code is shown once."""
    info = await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    body = await read_json_object(request)
    try:
        seconds = parse_duration(body.get("expires", "2h"))
    except ValueError as exc:
        raise Invalid("expires", str(exc)) from None
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > 60:
        raise Invalid("label", "label must be text of at most 60 characters")
    desk = body.get("desk", "")
    if not isinstance(desk, str) or (desk and not DESK_URL.match(desk)):
        raise Invalid("desk", "desk must be the browser desk's http(s) address")
    code, invitation = await create_invitation(app_state(request).redis, event.slug, seconds,
                                               by=info.label or info.id, label=label)
    link, qr = link_and_qr(desk_base(desk or None), code)
    return JSONResponse({"code": code, "link": link, "qr": qr,
                         "invitation": invitation.public()}, status_code=201)


async def list_invites(request: Request) -> Response:
    """The event's invitations: open, used (by which address, when), expired, revoked."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    found = await list_invitations(app_state(request).redis, event.slug)
    return JSONResponse({"invitations": [i.public() for i in found]})


async def revoke_invite(request: Request) -> Response:
    """Revoke an invitation; a volunteer who already used it loses the desk too."""
    await authorise(request, request.path_params["slug"], role="admin")
    event = await known_event(request)
    revoked = await revoke_invitation(app_state(request).redis, event.slug,
                                      request.path_params["invite"])
    if revoked is None:
        raise NotFound("unknown_invitation", "no such invitation")
    return JSONResponse({"invitation": revoked.public()})


async def redeem_invite(request: Request) -> Response:
    """A one-time code → a fresh moderator token (for the web desk's session, never a URL)."""
    body = await read_json_object(request)
    code, used_by = body.get("code"), body.get("used_by", "")
    if not isinstance(code, str) or not isinstance(used_by, str):
        raise Invalid("code", "code must be text")
    token, why = await redeem(app_state(request).redis, code, used_by)
    if token is None:
        if why == UNKNOWN:
            raise NotFound("unknown_invitation", "no such invitation")
        raise ApiError(410, why, f"this invitation is {why}")
    return JSONResponse({"token": token, "event": code.partition(".")[0]})


routes = [
    Route("/api/events/{slug}/mode", set_mode, methods=["PUT"]),
    Route("/api/events/{slug}/status", set_status, methods=["POST"]),
    Route("/api/events/{slug}/settings", put_settings, methods=["PUT"]),
    Route("/api/events/{slug}/settings", get_settings, methods=["GET"]),
    Route("/api/events/{slug}/settings/check", check_settings_only, methods=["POST"]),
    Route("/api/events/{slug}/invitations", create_invite, methods=["POST"]),
    Route("/api/events/{slug}/invitations", list_invites, methods=["GET"]),
    Route("/api/events/{slug}/invitations/{invite}", revoke_invite, methods=["DELETE"]),
    Route("/api/invitations/redeem", redeem_invite, methods=["POST"]),
]
