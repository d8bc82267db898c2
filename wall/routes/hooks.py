"""Inbound SMS webhooks: Twilio (answers TwiML) and Vonage (signed, multipart reassembled).

Nothing is stored unless the provider's signature checks out. The phone number is turned
into a keyed hash at once and never stored, logged or shown.
"""

from __future__ import annotations

import logging
import os
import time
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.config import Settings
from wall.http import BodyError, error, parse_json, read_body
from wall.identity import phone_digits, phone_key
from wall.routes._shared import known_event
from wall.sources.signatures import public_url, twilio_valid, vonage_fresh, vonage_valid
from wall.sources.sms import Inbound, french_mobile, receive
from wall.store.client import Client
from wall.store.sms import reassemble

log = logging.getLogger("clameur.sms")
PARTS_TTL = 86_400
MAX_BODY = 64 * 1024
# Twilio sends at most 10 media per message; a signed NumMedia of 100,000,000 must not
# become a loop of that length.
MAX_MEDIA = 10
MAX_PARTS = 30

def twiml(message: str | None) -> Response:
    body = f"<Message>{escape(message)}</Message>" if message else ""
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
                    media_type="text/xml")


async def _flooding(request: Request, slug: str, sender: str) -> bool:
    """Over the per-phone limit (`sms_phone`): stored nothing, answer nothing (replies cost)."""
    limited = await app_state(request).limiter.hit(slug, [("sms_phone", sender)])
    if limited:
        log.warning("SMS for %s dropped: sender over the rate limit", slug)
    return limited is not None


def _sender(request: Request, phone: str) -> tuple[str, str]:
    """Keyed hash of the number (same for +33... and 33...) and its last two digits."""
    # The same function as `clameur erase --phone` (wall/identity.py): one way to hash.
    return phone_key(app_state(request).secret, phone), phone_digits(phone)[-2:].rjust(2, "·")


async def _form(request: Request) -> list[tuple[str, str]]:
    body = await read_body(request, MAX_BODY)
    return parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)


async def twilio_hook(request: Request) -> Response:
    fields = await _form(request)
    settings = app_state(request).settings
    url = public_url(request, settings.public_url, settings.trusted_proxies)
    if not twilio_valid(os.environ.get("TWILIO_AUTH_TOKEN", ""), url, fields,
                        request.headers.get("x-twilio-signature", "")):
        log.warning("Twilio webhook refused: bad or missing signature for %s", url)
        return error(403, "bad_signature", "the request signature does not match")
    event = await known_event(request)
    data = dict(fields)
    sender, last = _sender(request, data.get("From", ""))
    if await _flooding(request, event.slug, sender):
        return twiml(None)
    media = [{"url": data[f"MediaUrl{n}"], "alt": ""}
             for n in range(_small_int(data.get("NumMedia", ""), MAX_MEDIA))
             if data.get(f"MediaContentType{n}", "").startswith("image/")
             and data.get(f"MediaUrl{n}")]
    outcome = await receive(app_state(request).redis, event, Inbound(
        "twilio", data.get("MessageSid") or data.get("SmsSid", ""), sender, last,
        data.get("Body", ""), media, help_only=_help_only(settings, data.get("From", "")),
        public_url=settings.public_url))
    log.info("SMS %s for %s: %s", data.get("MessageSid", "?"), outcome.event, outcome.kind)
    return twiml(outcome.reply)


def _help_only(settings: Settings, phone: str) -> bool:
    """A French mobile gets no automated reply but the help it asks for (docs/sources.md),
    unless the number may send them (CLAMEUR_SMS_FRENCH_REPLIES=all)."""
    return settings.sms_french_replies != "all" and french_mobile(phone)


def _small_int(value: str, most: int) -> int:
    """A count from a provider's field, at most `most`: ASCII digits only (0 otherwise), and
    never converted whole when it is long (Python refuses past 4,300 digits)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return 0
    return most if len(value) > 9 else min(int(value), most)


async def _vonage_params(request: Request) -> dict[str, str]:
    """The webhook's fields; a body that is not a flat JSON object (or a form) is a 400."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = parse_json(await read_body(request, MAX_BODY))
        if not isinstance(body, dict):
            raise BodyError(400, "the body must be a JSON object")
        return {k: v if isinstance(v, str) else str(v) for k, v in body.items()
                if isinstance(v, str | int | float | bool)}
    return dict(await _form(request))


async def _reassemble(redis: Client, slug: str, sender: str, params: dict[str, str]
                      ) -> tuple[str, str] | None:
    """(message id of part 1, whole text) once every part arrived; None before (and for
    part numbers no real message has)."""
    part = _small_int(params.get("concat-part", ""), MAX_PARTS + 1)
    total = _small_int(params.get("concat-total", ""), MAX_PARTS + 1)
    if not 1 <= part <= total <= MAX_PARTS:
        return None
    return await reassemble(redis, slug, sender, params.get("concat-ref", ""), part, total,
                            params.get("messageId", ""), params.get("text", ""), PARTS_TTL)


async def vonage_hook(request: Request) -> Response:
    params = await _vonage_params(request)
    if not vonage_valid(os.environ.get("VONAGE_SIGNATURE_SECRET", ""), params):
        log.warning("Vonage webhook refused: bad or missing signature")
        return error(403, "bad_signature", "the request signature does not match")
    if not vonage_fresh(params, time.time()):
        log.warning("Vonage webhook refused: signed timestamp missing or too old (replay?)")
        return error(403, "stale_signature", "the signed timestamp is missing or too old")
    redis = app_state(request).redis
    event = await known_event(request)
    sender, last = _sender(request, params.get("msisdn", ""))
    if await _flooding(request, event.slug, sender):
        return Response(status_code=204)
    message_id, text = params.get("messageId", ""), params.get("text", "")
    if params.get("concat") == "true":
        whole = await _reassemble(redis, event.slug, sender.split(":", 1)[1], params)
        if whole is None:
            return Response(status_code=204)  # wait for the other parts
        message_id, text = whole
    outcome = await receive(redis, event, Inbound("vonage", message_id, sender, last, text))
    log.info("SMS %s for %s: %s", message_id, outcome.event, outcome.kind)
    # Vonage cannot carry a reply in the webhook answer; 204 stops its retries.
    return Response(status_code=204)


routes = [
    Route("/hooks/twilio/{slug}", twilio_hook, methods=["POST"]),
    Route("/hooks/vonage/{slug}", vonage_hook, methods=["POST"]),
]
