"""Polls and word clouds, and what the wall shows (feed, questions or the poll).

- `POST /api/events/{slug}/polls` (moderator): `{"question", "options": [2 to 8]}` or
  `{"question", "type": "words"}` → `201 {"id"}`; `GET` lists every poll, oldest first.
- `POST .../polls/{id}/open`, `.../close` (moderator) → `200 {"id", "status"}`; 409 when
  another poll is open, or closing one never opened.
- `POST .../polls/{id}/votes` (audience): `{"option": n}` or `{"text": word}` → `202`
  once stored; 404 unknown poll, 409 not open, 422 bad option or word.
- `GET .../polls/{id}` (audience): the poll with its options' votes or its shown words.
- `GET` / `POST .../polls/{id}/words` (moderator): every word with its state (shown, held,
  hidden); `{"text", "action": "hide"|"show"}`.
- `GET` (audience) / `POST` (moderator) `/api/events/{slug}/wall-mode`:
  `{"mode": "feed"|"questions"|"poll"}`.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.auth import authorise
from wall.http import ApiError, Invalid, NotFound, read_json_object
from wall.identity import device_id, set_device_cookie
from wall.live.votes import PollRefused
from wall.moderation.text import normalise_text
from wall.polls import BadBallot, ballot, every_poll, public, public_state, word_groups
from wall.routes._shared import (
    audience_event,
    known_event,
    moderator_name,
    refuse_unless_open,
    stored,
    within_vote_limits,
)
from wall.store import polls
from wall.store.stage import STAGES, get_stage, set_stage

MAX_QUESTION = 200
MAX_OPTION = 80
MIN_OPTIONS, MAX_OPTIONS = 2, 8
POLL_ID = re.compile(r"[0-9a-z]{1,40}")


def _poll_id(request: Request) -> str:
    poll_id: str = request.path_params["poll_id"]
    if not POLL_ID.fullmatch(poll_id):
        raise NotFound("unknown_poll", "no such poll in this event")
    return poll_id


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not (text := " ".join(normalise_text(value).split())):
        raise Invalid(field, f"{field} must be a non-empty string")
    if len(text) > limit:
        raise Invalid(field, f"{field} is longer than {limit} characters")
    return text


def _poll_fields(data: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(question, type, options) of a new poll, or 422."""
    question = _text(data.get("question"), "question", MAX_QUESTION)
    kind = data.get("type", polls.CHOICE)
    if kind == polls.WORDS:
        return question, kind, []
    if kind != polls.CHOICE:
        raise Invalid("type", "type must be choice or words")
    options = data.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise Invalid("options", f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options")
    texts = [_text(o, "options", MAX_OPTION) for o in options]
    if len({t.casefold() for t in texts}) != len(texts):
        raise Invalid("options", "two options say the same thing")
    return question, kind, texts


async def create(request: Request) -> Response:
    slug = request.path_params["slug"]
    token = await authorise(request, slug)
    event = await known_event(request)
    question, kind, options = _poll_fields(await read_json_object(request))
    poll_id = await polls.create_poll(app_state(request).redis, event.slug, question, kind,
                                      options, moderator_name(token))
    return JSONResponse({"id": poll_id}, status_code=201)


async def list_polls(request: Request) -> Response:
    await authorise(request, request.path_params["slug"])
    event = await known_event(request)
    return JSONResponse({"polls": await every_poll(app_state(request).redis, event.slug)})


async def _switch(request: Request, status: str) -> Response:
    slug = request.path_params["slug"]
    await authorise(request, slug)
    poll_id = _poll_id(request)
    change = polls.open_poll if status == "open" else polls.close_poll
    try:
        await change(app_state(request).redis, slug, poll_id)
    except polls.PollError as exc:
        if exc.reason == "missing":
            raise NotFound("unknown_poll", "no such poll in this event") from exc
        if exc.reason == "busy":
            raise ApiError(409, "poll_open", "another poll is open: close it first",
                           open=exc.other) from exc
        raise ApiError(409, "poll_not_open", f"this poll is {exc.other}, not open",
                       poll_status=exc.other) from exc
    return JSONResponse({"id": poll_id, "status": status})


async def open_(request: Request) -> Response:
    return await _switch(request, "open")


async def close(request: Request) -> Response:
    return await _switch(request, "closed")


async def vote(request: Request) -> Response:
    """One ballot per device and poll (a second one replaces the first), answered once
    stored."""
    state = app_state(request)
    event = await audience_event(request)
    await refuse_unless_open(request, event)
    poll_id = _poll_id(request)
    data = await read_json_object(request)
    poll = await state.votes.definition(event.slug, poll_id)
    if poll is None:
        raise NotFound("unknown_poll", "no such poll in this event")
    try:
        choice, held = ballot(event, poll, data)
    except BadBallot as exc:
        raise Invalid(exc.field, exc.message) from exc
    device, new_device = device_id(request)
    await within_vote_limits(request, event.slug, device)
    try:
        await stored(state.votes.vote_poll(event.slug, poll_id, device, choice, held))
    except PollRefused as exc:
        if exc.status == "missing":
            raise NotFound("unknown_poll", "no such poll in this event") from exc
        raise ApiError(409, "poll_not_open", f"this poll is {exc.status}, not open",
                       poll_status=exc.status) from exc
    response = JSONResponse({"poll": poll_id, "stored": True}, status_code=202)
    if new_device:
        set_device_cookie(request, response, device)
    return response


async def show(request: Request) -> Response:
    event = await known_event(request)
    state = await public_state(app_state(request).redis, event.slug, _poll_id(request))
    if state is None:
        raise NotFound("unknown_poll", "no such poll in this event")
    return JSONResponse(state, headers={"Cache-Control": "no-store"})


async def _words_record(request: Request) -> polls.PollRecord:
    await authorise(request, request.path_params["slug"])
    rec = await polls.record(app_state(request).redis, request.path_params["slug"],
                             _poll_id(request))
    if rec is None or rec.meta.get("type") != polls.WORDS:
        raise NotFound("unknown_poll", "no such word cloud in this event")
    return rec


async def words(request: Request) -> Response:
    """Every word of a cloud with its state (held and hidden ones included)."""
    rec = await _words_record(request)
    return JSONResponse({**public(rec), "all_words": word_groups(rec)})


async def moderate_word(request: Request) -> Response:
    """Hide a word, or show it (a word the word list held, or one hidden before)."""
    rec = await _words_record(request)
    data = await read_json_object(request)
    action = data.get("action")
    if action not in ("hide", "show"):
        raise Invalid("action", "action must be hide or show")
    text = data.get("text")
    found = next((w for w in word_groups(rec) if w["text"] == text), None)
    if found is None:
        raise NotFound("unknown_word", "nobody sent this word")
    await polls.mark_words(app_state(request).redis, request.path_params["slug"],
                           rec.meta["id"], found["forms"],
                           "hidden" if action == "hide" else "shown")
    return JSONResponse({"text": text, "state": "hidden" if action == "hide" else "shown"})


async def wall_mode(request: Request) -> Response:
    event = await known_event(request)
    mode = await get_stage(app_state(request).redis, event.slug) or "feed"
    return JSONResponse({"mode": mode})


async def set_wall_mode(request: Request) -> Response:
    """What the wall shows; every wall is told at once (`mode` frame)."""
    slug = request.path_params["slug"]
    await authorise(request, slug)
    event = await known_event(request)
    mode = (await read_json_object(request)).get("mode")
    if mode not in STAGES:
        raise Invalid("mode", f"mode must be one of {', '.join(STAGES)}")
    await set_stage(app_state(request).redis, event.slug, mode)
    return JSONResponse({"mode": mode})


routes = [
    Route("/api/events/{slug}/polls", create, methods=["POST"]),
    Route("/api/events/{slug}/polls", list_polls, methods=["GET"]),
    Route("/api/events/{slug}/polls/{poll_id}", show, methods=["GET"]),
    Route("/api/events/{slug}/polls/{poll_id}/open", open_, methods=["POST"]),
    Route("/api/events/{slug}/polls/{poll_id}/close", close, methods=["POST"]),
    Route("/api/events/{slug}/polls/{poll_id}/votes", vote, methods=["POST"]),
    Route("/api/events/{slug}/polls/{poll_id}/words", words, methods=["GET"]),
    Route("/api/events/{slug}/polls/{poll_id}/words", moderate_word, methods=["POST"]),
    Route("/api/events/{slug}/wall-mode", wall_mode, methods=["GET"]),
    Route("/api/events/{slug}/wall-mode", set_wall_mode, methods=["POST"]),
]
