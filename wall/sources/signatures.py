"""Webhook signatures: Twilio's `X-Twilio-Signature` and Vonage's signed `sig` (with its
timestamp's freshness). Any input gives a verdict, never an exception.

Twilio signs the exact URL it called plus the sorted form fields (HMAC-SHA1, base64), the
algorithm of `twilio.request_validator.RequestValidator`, re-implemented here so the server
does not need the SDK. Behind a TLS-terminating proxy the URL the server sees is not the one
Twilio called: `public_url()` rebuilds it from `CLAMEUR_PUBLIC_URL` or trusted proxy headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request

# How far a signed Vonage request's timestamp may be from the server's clock (Vonage's
# guidance: five minutes).
VONAGE_WINDOW = 300.0


def _trusted(peer: str | None, proxies: str) -> bool:
    if not peer:
        return False
    for entry in (p.strip() for p in proxies.split(",")):
        if entry == "*" or entry == peer:
            return True
        try:
            if ipaddress.ip_address(peer) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def public_url(request: Request, configured: str, proxies: str) -> str:
    """The URL the provider called: configured base + path, else the request's own URL with
    X-Forwarded-Proto/Host applied when the peer is a trusted proxy."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if configured:
        return configured.rstrip("/") + path
    scheme, host = request.url.scheme, request.headers.get("host", request.url.netloc)
    if _trusted(request.client.host if request.client else None, proxies):
        scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
        host = request.headers.get("x-forwarded-host", host).split(",")[0].strip()
    return f"{scheme}://{host}{path}"


def twilio_signature(token: str, url: str, form: Iterable[tuple[str, str]]) -> str:
    """base64(HMAC-SHA1(token, url + each sorted name followed by its sorted values))."""
    values: dict[str, set[str]] = {}
    for name, value in form:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values)
                            for value in sorted(values[name]))
    digest = hmac.new(_bytes(token), _bytes(payload), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _bytes(text: str) -> bytes:
    """UTF-8, even for a string no provider would send (a lone surrogate): an odd input is
    a signature that does not match, never an exception."""
    return text.encode("utf-8", "surrogatepass")


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that holds for any string: `hmac.compare_digest` raises
    TypeError on non-ASCII str (an unauthenticated 500 before this)."""
    return hmac.compare_digest(_bytes(expected), _bytes(given))


def _port_variants(url: str) -> list[str]:
    """The URL with and without its port, as Twilio's SDK checks both (Twilio signs
    inconsistently): the default port is added when absent, any port is dropped."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    bare = host.split(":")[0] if parts.port else host
    with_port = host if parts.port else f"{host}:{443 if parts.scheme == 'https' else 80}"
    return list(dict.fromkeys([url, urlunsplit(parts._replace(netloc=bare)),
                               urlunsplit(parts._replace(netloc=with_port))]))


def twilio_valid(token: str, url: str, form: Iterable[tuple[str, str]], signature: str) -> bool:
    if not token or not signature:
        return False
    fields = list(form)
    return any(_same(twilio_signature(token, candidate, fields), signature)
               for candidate in _port_variants(url))


def vonage_signature(secret: str, params: Mapping[str, str]) -> str:
    """Vonage's signed-webhook HMAC-SHA256 over `&key=value` of the sorted parameters."""
    mac = hmac.new(_bytes(secret), digestmod=hashlib.sha256)
    for key in sorted(params):
        if key == "sig":
            continue
        value = str(params[key]).replace("&", "_").replace("=", "_")
        mac.update(_bytes(f"&{key}={value}"))
    return mac.hexdigest()


def vonage_valid(secret: str, params: Mapping[str, str]) -> bool:
    signature = str(params.get("sig", "")).lower()
    return bool(secret and signature) and _same(vonage_signature(secret, params), signature)


def vonage_fresh(params: Mapping[str, str], now: float, window: float = VONAGE_WINDOW) -> bool:
    """The signed `timestamp` (Unix seconds) is within `window` of now: a captured request
    replayed later is refused (within the window, its `messageId` makes it a duplicate)."""
    stamp = str(params.get("timestamp", ""))
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    return abs(now - int(stamp)) <= window
