"""Questions: phones upvote approved ones; moderators answer them or mark an item as one.

- `POST /api/events/{slug}/items/{id}/votes` (audience) → `200 {"votes": n}` once stored;
  a repeat changes nothing; 404 not an approved question; 403 closed event.
- `GET /api/events/{slug}/questions` (audience) → approved questions, most votes first.
- `POST .../items/{id}/answer` (moderator): `{"answer": "answered"|"follow_up"|null,
  "note"?}` → 200; 404 not a question.
- `POST .../items/{id}/question` (moderator): make an item a question → 200.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import Invalid, NotFound, read_json_object
from wall.identity import device_id, set_device_cookie
from wall.moderation.text import normalise_text
from wall.routes._shared import (
    audience_event,
    known_event,
    moderator_name,
    refuse_unless_open,
    stored,
    within_vote_limits,
)
from wall.store import questions

MAX_NOTE = 280
ITEM_ID = re.compile(r"[0-9a-z]{1,40}")


def _question_id(request: Request) -> str:
    item_id: str = request.path_params["item_id"]
    if not ITEM_ID.fullmatch(item_id):
        raise NotFound("unknown_question", "no approved question with this id")
    return item_id


async def upvote(request: Request) -> Response:
    """One upvote per device (its signed cookie); stored before the answer."""
    state = app_state(request)
    event = await audience_event(request)
    await refuse_unless_open(request, event)
    item_id = _question_id(request)
    device, new_device = device_id(request)
    await within_vote_limits(request, event.slug, device)
    count = await stored(state.votes.vote_question(event.slug, item_id, device))
    if count < 0:
        raise NotFound("unknown_question", "no approved question with this id")
    response = JSONResponse({"votes": count})
    if new_device:
        set_device_cookie(request, response, device)
    return response


async def list_questions(request: Request) -> Response:
    event = await known_event(request)
    found = await questions.approved_questions(app_state(request).redis, event.slug)
    return JSONResponse({"items": [q.public() for q in found]},
                        headers={"Cache-Control": "no-store"})


async def answer(request: Request) -> Response:
    """Answered, or promised a follow-up, with a short note of who promised what."""
    slug = request.path_params["slug"]
    token = await authorise(request, slug)
    data = await read_json_object(request)
    value, note = data.get("answer"), data.get("note") or ""
    if value is not None and value not in questions.ANSWERS:
        raise Invalid("answer", "answer must be answered, follow_up or null")
    if not isinstance(note, str):
        raise Invalid("note", "note must be a string")
    note = normalise_text(note)
    if len(note) > MAX_NOTE:
        raise Invalid("note", f"the note is longer than {MAX_NOTE} characters")
    item_id = _question_id(request)
    done = await questions.set_answer(app_state(request).redis, slug, item_id, value,
                                      note if value else "", moderator_name(token))
    if not done:
        raise NotFound("unknown_question", "no question with this id")
    return JSONResponse({"id": item_id, "answer": value, "note": note if value else ""})


async def make_question(request: Request) -> Response:
    """A moderator makes an item a question (phones can upvote it once it is approved)."""
    slug = request.path_params["slug"]
    await authorise(request, slug)
    item_id = request.path_params["item_id"]
    if not ITEM_ID.fullmatch(item_id) or not await questions.mark(app_state(request).redis,
                                                                  slug, item_id):
        raise NotFound("unknown_item", "no such item in this event")
    return JSONResponse({"id": item_id, "kind": "question"})


routes = [
    Route("/api/events/{slug}/items/{item_id}/votes", upvote, methods=["POST"]),
    Route("/api/events/{slug}/questions", list_questions, methods=["GET"]),
    Route("/api/events/{slug}/items/{item_id}/answer", answer, methods=["POST"]),
    Route("/api/events/{slug}/items/{item_id}/question", make_question, methods=["POST"]),
]
