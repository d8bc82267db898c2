"""Polls over the feed sockets: what a wall or phone is told when it connects (the wall's
mode and the current poll), and votes sent on the audience socket.

A phone that keeps its socket open votes on it (`{"type": "vote", "poll", "option"|"text"}`,
as it sends taps): no HTTP request per vote, which is what lets one process take 10,000
votes a second. The vote is answered on the same socket once stored (`voted`), or refused
with an `error` frame whose code matches the HTTP route's (`unknown_poll`,
`poll_not_open`, `validation`, `no_device`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from wall import protocol
from wall.live.votes import VoteBatcher
from wall.models import Event
from wall.polls import BadBallot, ballot, current_state
from wall.store.client import Client
from wall.store.stage import get_stage

POLL_ID = re.compile(r"[0-9a-z]{1,40}")
Offer = Callable[[str], None]  # takes a frame's JSON text


@functools.lru_cache(maxsize=64)
def voted(poll_id: str) -> str:
    """The `voted` frame of a poll, serialised once (one is sent per vote)."""
    return protocol.dumps(protocol.voted(poll_id))


def refusal(code: str, message: str) -> str:
    return protocol.dumps(protocol.error(code, message))


async def initial_frames(redis: Client, slug: str) -> list[protocol.Frame]:
    """A `mode` frame when a moderator chose one, and the current poll: what a socket
    needs besides the feed's snapshot (a wall that reconnects gets them again)."""
    frames: list[protocol.Frame] = []
    mode = await get_stage(redis, slug)
    if mode is not None:
        frames.append(protocol.mode(mode))
    poll = await current_state(redis, slug)
    if poll is not None:
        frames.append(protocol.poll(poll))
    return frames


async def socket_vote(votes: VoteBatcher, event: Event, device: str | None,
                      data: dict[str, Any], offer: Offer) -> None:
    """Check and queue a vote from the audience socket; `offer` gets the answer frame once
    it is stored or refused (a device is needed: the phone's page sets its cookie)."""
    if device is None:
        offer(refusal("no_device", "reload the page to vote"))
        return
    poll_id = data.get("poll")
    poll = None
    if isinstance(poll_id, str) and POLL_ID.fullmatch(poll_id):
        poll = await votes.definition(event.slug, poll_id)
    if poll is None:
        offer(refusal("unknown_poll", "no such poll in this event"))
        return
    try:
        choice, held = ballot(event, poll, data)
    except BadBallot as exc:
        offer(refusal("validation", exc.message))
        return
    found = poll.id

    def answered(status: str) -> None:
        if status == "ok":
            offer(voted(found))
        elif status == "missing":
            offer(refusal("unknown_poll", "no such poll in this event"))
        else:
            offer(refusal("poll_not_open", "this poll is not open"))

    votes.offer_poll_vote(event.slug, found, device, choice, held, answered)
