"""Questions and poll votes by SMS.

While a poll with options is open, a message that is only an option's letter or number
("B", "b.", "2") is a vote: one per phone number (its keyed hash is the voter), a later one
replacing it, written at once. A message starting with "?" or with the event's question
keyword ("QUESTION Where...") is a question, moderated like any message. A words poll
takes no SMS: a lone word there is an ordinary message.
"""

from __future__ import annotations

import string

from wall.i18n import gettext
from wall.models import Event
from wall.store import polls
from wall.store.client import Client

LETTERS = string.ascii_uppercase


def _t(lang: str, message: str, **values: object) -> str:
    return gettext(lang, message) % values if values else gettext(lang, message)


def question_text(event: Event, text: str) -> str | None:
    """The question without its marker ("?" or the keyword), or None when it is not one."""
    stripped = text.strip()
    if stripped.startswith("?"):
        return stripped[1:].strip()
    head, _, rest = stripped.partition(" ")
    keyword = event.question_keyword.strip().casefold()
    if keyword and head.strip(".,:;!").casefold() == keyword and rest.strip():
        return rest.strip()
    return None


def _option(text: str, count: int) -> int | None:
    """The option a one-character answer names (A=0, 1=0), or None when it names none."""
    mark = text.strip().strip(".!)(").upper()
    if len(mark) != 1:
        return None
    if mark in LETTERS[:8]:
        return LETTERS.index(mark)
    if mark.isdigit() and mark != "0":
        return int(mark) - 1
    return None


async def poll_vote(redis: Client, event: Event, sender: str, text: str,
                    lang: str) -> tuple[str, str] | None:
    """("vote" or "invalid", the reply) when the message answers the open poll; None when
    it is an ordinary message."""
    if len(text.strip()) > 4:  # cheap: most messages are not votes, no Redis read
        return None
    poll_id = await polls.open_id(redis, event.slug)
    poll = await polls.definition(redis, event.slug, poll_id) if poll_id else None
    if poll is None or poll.type != polls.CHOICE:
        return None
    index = _option(text, len(poll.options))
    if index is None:
        return None
    last = LETTERS[len(poll.options) - 1]
    if index >= len(poll.options):
        return "invalid", _t(lang, "Please reply with a letter from A to %(last)s.", last=last)
    status = await polls.add_votes(redis, event.slug, poll.id, [(sender, str(index), False)])
    if status != "ok":
        return "invalid", _t(lang, "This poll is closed.")
    return "vote", _t(lang, "Thanks! Your vote for %(letter)s is counted.",
                      letter=LETTERS[index])
