"""Send SMS webhooks the way Twilio and Vonage do, signed with their own algorithms."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Iterator

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.support.servers import ServerProcess

TWILIO_TOKEN = "twilio-test-token"
VONAGE_SECRET = "vonage-test-secret"
PHONE = "+33612345678"
_sids = itertools.count(1)


def sid() -> str:
    return f"SM{next(_sids):032x}"


def twilio_form(body: str, phone: str = PHONE, message_sid: str | None = None,
                **extra: str) -> dict[str, str]:
    return {"ToCountry": "FR", "SmsMessageSid": message_sid or sid(), "NumMedia": "0",
            "From": phone, "To": "+33700000000", "Body": body, "NumSegments": "1",
            "MessageSid": message_sid or sid(), "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01", **extra}


async def send_twilio(http: httpx.AsyncClient, slug: str, form: dict[str, str],
                      signed_url: str | None = None, token: str = TWILIO_TOKEN,
                      headers: dict[str, str] | None = None) -> httpx.Response:
    """POST like Twilio, the signature computed by the twilio package over `signed_url`."""
    path = f"/hooks/twilio/{slug}"
    url = signed_url or f"{http.base_url}".rstrip("/") + path
    signature = RequestValidator(token).compute_signature(url, form)
    return await http.post(path, data=form,
                           headers={"X-Twilio-Signature": signature, **(headers or {})})


def vonage_params(text: str, msisdn: str = PHONE.lstrip("+"), message_id: str | None = None,
                  **extra: str) -> dict[str, str]:
    return {"msisdn": msisdn, "to": "33700000000", "messageId": message_id or sid()[-16:],
            "text": text, "type": "text", "keyword": text.split(" ")[0].upper(),
            "message-timestamp": "2026-11-26 10:00:00", "timestamp": str(int(time.time())),
            "nonce": sid(), **extra}


def vonage_sign(params: dict[str, str], secret: str = VONAGE_SECRET) -> dict[str, str]:
    """Vonage's signed webhook: sig = HMAC-SHA256 over "&k=v" of the sorted parameters,
    written out here from its documentation (independently of the server's code)."""
    message = "".join(f"&{k}={str(v).replace('&', '_').replace('=', '_')}"
                      for k, v in sorted(params.items()))
    return {**params, "sig": hmac.new(secret.encode(), message.encode(),
                                      hashlib.sha256).hexdigest()}


@pytest.fixture(scope="module")
def sms_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real `clameur serve` with the providers' secrets in its environment."""
    proc = ServerProcess(redis_url=redis_url, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                                                   "VONAGE_SIGNATURE_SECRET": VONAGE_SECRET,
                                                   "CLAMEUR_RATE_LIMITS": "sms_phone=6/60",
                                                   # The test phones are French mobiles:
                                                   # these tests read every reply (the
                                                   # default is tested in test_sms_france).
                                                   "CLAMEUR_SMS_FRENCH_REPLIES": "all"}
                         ).start()
    yield proc
    proc.stop()
