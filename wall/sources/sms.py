"""What an inbound SMS means, whatever the provider: commands, routing, the item, the reply.

A phone number never leaves this module's caller in clear: the caller passes a keyed hash
(`sender`) and the last two digits for the display name ("SMS ···42"). STOP/ARRET/START
are remembered and never shown; `NOM Camille` / `NAME Camille` sets a nickname; a first
word equal to the `sms_keyword` of an event sharing this number routes the message there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wall.i18n import LANGUAGES, gettext
from wall.models import MAX_TEXT, Event, Item, new_item_id, utc_now_iso
from wall.moderation.intake import InvalidItem, accept
from wall.moderation.text import normalise_name, normalise_text
from wall.sources.sms_asks import poll_vote, question_text
from wall.store import sms as sms_store
from wall.store.client import Client
from wall.store.events import list_events

STOP_WORDS = {"STOP", "STOPALL", "ARRET", "ARRÊT", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
              "DESABONNER", "DÉSABONNER"}
START_WORDS = {"START", "UNSTOP", "YES", "DEMARRER", "DÉMARRER"}
NAME_WORDS = {"NOM": "fr", "PSEUDO": "fr", "NAME": "en", "NICK": "en"}
MAX_NICKNAME = 30
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_FRENCH = {"le", "la", "les", "une", "des", "et", "est", "je", "vous", "nous", "merci",
           "bonjour", "bonsoir", "pour", "pas", "que", "qui", "dans", "sur", "avec", "très",
           "salut", "oui", "non", "du", "de", "au", "aux", "mais", "ce", "cette", "il", "elle",
           "c'est", "j'ai", "ça", "bravo", "quand", "pourquoi", "comment", "mon", "ma", "sont"}
_ENGLISH = {"the", "and", "is", "you", "we", "thanks", "thank", "hello", "hi", "for", "not",
            "that", "who", "in", "with", "very", "yes", "no", "of", "to", "but", "this",
            "he", "she", "are", "please", "great", "what", "why", "how", "my", "it's", "i'm"}


@dataclass
class Inbound:
    """One SMS as a provider delivered it (the phone already reduced to a keyed hash)."""

    provider: str
    message_id: str
    sender: str  # "sms:<keyed hash>"
    last_digits: str
    text: str
    media: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    kind: str  # stored | duplicate | stop | start | name | closed | invalid | vote
    lang: str
    reply: str | None = None
    item_id: str | None = None
    event: str = ""


def guess_language(text: str, event: Event) -> str:
    """French or English from common words and accents; else the event's first language."""
    words = [w.lower() for w in _WORD.findall(text)]
    fr = sum(w in _FRENCH for w in words) + len(re.findall(r"[éèêàçùâîôœ]", text.lower()))
    en = sum(w in _ENGLISH for w in words)
    if fr != en:
        return "fr" if fr > en else "en"
    first = event.languages[0] if event.languages else "fr"
    return first if first in LANGUAGES else "fr"


def _first_word(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}".strip()
    return head, rest.strip()


async def route(redis: Client, event: Event, text: str) -> tuple[Event, str]:
    """The event a message is for, and its text without the routing keyword."""
    word, rest = _first_word(text)
    keyword = word.strip(".,:;!?").casefold()
    if not keyword:
        return event, text
    candidates = [event]
    if event.sms_number:
        candidates += [e for e in await list_events(redis)
                       if e.sms_number == event.sms_number and e.slug != event.slug]
    for candidate in candidates:
        if candidate.sms_keyword and candidate.sms_keyword.casefold() == keyword:
            return candidate, rest
    return event, text


def _t(lang: str, message: str, **values: object) -> str:
    return gettext(lang, message) % values if values else gettext(lang, message)


async def _command(redis: Client, event: Event, msg: Inbound, text: str,
                   lang: str) -> Outcome | None:
    word, rest = _first_word(text)
    upper = word.strip(".!").upper()
    if upper in STOP_WORDS and not rest:
        await sms_store.set_opted_out(redis, event.slug, msg.sender, True)
        return Outcome("stop", lang, event=event.slug)  # the provider confirms STOP itself
    if upper in START_WORDS and not rest:
        await sms_store.set_opted_out(redis, event.slug, msg.sender, False)
        return Outcome("start", lang, event=event.slug)
    if upper in NAME_WORDS:
        lang = NAME_WORDS[upper]
        name = normalise_name(rest)[:MAX_NICKNAME]
        if not name:
            return Outcome("invalid", lang, _t(lang, "Please send a name after NAME, "
                                                     "e.g. NAME Camille."), event=event.slug)
        await sms_store.set_nickname(redis, event.slug, msg.sender, name)
        return Outcome("name", lang, _t(lang, "Thanks, %(name)s! Your messages will now be "
                                              "signed with this name.", name=name),
                       event=event.slug)
    return None


def _closed_reply(event: Event, lang: str) -> str:
    if event.status == "closed":
        return _t(lang, "This event is over: messages are no longer shown. "
                        "Thank you for taking part!")
    return _t(lang, "This event has not started yet: please write again once it is open.")


async def receive(redis: Client, url_event: Event, msg: Inbound) -> Outcome:
    """Handle one SMS end to end; the reply is None when nothing must be sent back."""
    event, text = await route(redis, url_event, msg.text)
    lang = guess_language(text, event)
    outcome = await _command(redis, event, msg, text, lang)
    if outcome is None:
        outcome = await _message(redis, event, msg, text, lang)
    if outcome.reply and await sms_store.opted_out(redis, event.slug, msg.sender):
        outcome.reply = None  # they said STOP: the provider would refuse it anyway
    return outcome


async def _message(redis: Client, event: Event, msg: Inbound, text: str, lang: str) -> Outcome:
    if event.status != "open":
        return Outcome("closed", lang, _closed_reply(event, lang), event=event.slug)
    voted = await poll_vote(redis, event, msg.sender, text, lang)
    if voted is not None:  # an option's letter while a poll is open (wall/sources/sms_asks.py)
        return Outcome(voted[0], lang, voted[1], event=event.slug)
    question = question_text(event, text)
    text = question if question is not None else text
    nickname = await sms_store.nickname(redis, event.slug, msg.sender)
    item = Item(id=new_item_id(), event=event.slug, source="sms",
                source_id=f"{msg.provider}:{msg.message_id}",
                author=nickname or f"SMS ···{msg.last_digits}", text=text,
                received_at=utc_now_iso(), media=msg.media, author_key=msg.sender,
                kind="message" if question is None else "question")
    try:
        accepted = await accept(redis, event, item)
    except InvalidItem:
        if not normalise_text(text) and not msg.media:
            return Outcome("invalid", lang, _t(lang, "Your message is empty."), event=event.slug)
        return Outcome("invalid", lang, _t(lang, "Your message is too long: %(limit)d "
                                                 "characters at most. Please shorten it.",
                                           limit=MAX_TEXT), event=event.slug)
    reply = (_t(lang, "Thanks! Your message is on the wall.") if accepted.status == "approved"
             else _t(lang, "Thanks! Your message will be shown after moderation."))
    return Outcome("duplicate" if accepted.duplicate else "stored", lang, reply,
                   item_id=accepted.id, event=event.slug)
