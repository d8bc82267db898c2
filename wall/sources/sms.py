"""What an inbound SMS means, whatever the provider: commands, routing, the item, the reply.

A phone number never leaves this module's caller in clear: the caller passes a keyed hash
(`sender`) and the last two digits for the display name ("SMS ···42"). STOP/ARRET/START
are remembered and never shown; `NOM Camille` / `NAME Camille` sets a nickname; a first
word equal to the `sms_keyword` of an event sharing this number routes the message there.
AIDE/HELP/CHARTE/CHARTER/INFO get the help text with the event's charter.

French mobile numbers (`french_mobile`) get no automated reply but that help text, asked
for by its keyword: French operators' rules for person-to-person numbers forbid automated
sending (`CLAMEUR_SMS_FRENCH_REPLIES=all` when the number is one that may send them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wall.i18n import LANGUAGES, gettext
from wall.models import MAX_TEXT, Event, Item, new_item_id, utc_now_iso
from wall.moderation.charter import sms_summary
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
# The help text and the charter, on request: the one reply a French mobile gets by default.
HELP_WORDS = {"AIDE": "fr", "CHARTE": "fr", "HELP": "en", "CHARTER": "en", "INFO": ""}
# French mobiles: +33 6/7 in metropolitan France, and the overseas departments' and
# collectivities' own country codes (Guadeloupe and Saint-Martin/Saint-Barthélemy +590,
# French Guiana +594, Martinique +596, Réunion and Mayotte +262, Saint-Pierre-et-Miquelon
# +508, Wallis-et-Futuna +681, New Caledonia +687, French Polynesia +689), where the same
# rules apply: every number of those codes counts (fixed lines do not send SMS anyway).
_FRENCH_MOBILE = re.compile(
    r"(?:00)?(?:33[67]\d{8}|(?:590|594|596|262|508|681|687|689)\d{4,9})")
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
    # Reply only to the help keyword (a French mobile: see the module's docstring).
    help_only: bool = False
    # CLAMEUR_PUBLIC_URL, for the event page's address in the help text ("" when unset).
    public_url: str = ""


@dataclass
class Outcome:
    kind: str  # stored | duplicate | stop | start | name | help | closed | invalid | vote
    lang: str
    reply: str | None = None
    item_id: str | None = None
    event: str = ""


def french_mobile(phone: str) -> bool:
    """True for a French mobile number, however the provider writes it (+33…, 33…, 0033…)."""
    return bool(_FRENCH_MOBILE.fullmatch("".join(ch for ch in phone if ch.isdigit())))


def help_text(event: Event, lang: str, public_url: str = "") -> str:
    """How to take part by SMS, and the charter in one line (and where to read it all)."""
    if event.mode == "post":
        how = _t(lang, "%(title)s: your messages to this number show on the wall at once; "
                       "moderators take down what breaks the charter.", title=event.title)
    else:
        how = _t(lang, "%(title)s: your messages to this number show on the wall once a "
                       "moderator approves them.", title=event.title)
    parts = [how, _t(lang, "NAME Camille signs them; STOP: no more replies."),
             sms_summary(event, lang)]
    if public_url:
        page = f"{public_url.rstrip('/')}/e/{event.slug}"
        parts.append(_t(lang, "More: %(url)s", url=page))
    return " ".join(parts)


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
    if upper in HELP_WORDS and not rest:
        lang = HELP_WORDS[upper] or lang
        return Outcome("help", lang, help_text(event, lang, msg.public_url), event=event.slug)
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
    if msg.help_only and outcome.kind != "help":
        outcome.reply = None  # a French mobile: no automated reply but the help asked for
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
