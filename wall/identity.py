"""Who is posting, without knowing who they are: signed device cookies, client addresses,
and keyed hashes of devices and phone numbers (author keys).

The key is the process's secret (wall/keyfile.py: CLAMEUR_SECRET or a 0600 file, never
Redis): whoever holds the data without it cannot turn an author key back into a number.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets

from itsdangerous import BadSignature, Signer
from itsdangerous.encoding import base64_encode, want_bytes
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Scope

from wall.appstate import app_state

DEVICE_COOKIE = "clameur_device"


class _DeviceSigner(Signer):
    """itsdangerous' Signer with its key derived and its HMAC keyed once (it redoes both
    per call): the same signatures, a third of the cost."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret, salt="device")
        self._key = super().derive_key()
        self._mac = hmac.new(self._key, digestmod=self.digest_method)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is None or want_bytes(secret_key) == self.secret_keys[-1]:
            return self._key
        return super().derive_key(secret_key)

    def get_signature(self, value: str | bytes) -> bytes:
        mac = self._mac.copy()
        mac.update(want_bytes(value))
        return base64_encode(mac.digest())


@functools.lru_cache(maxsize=4)
def device_signer(secret: str) -> Signer:
    return _DeviceSigner(secret)


def device_id(request: HTTPConnection) -> tuple[str, bool]:
    """The device id from its signed cookie, or a new one (True when it must be set).

    Signed so that nobody can pick another device's id (and borrow a trusted author's
    identity); clearing the cookie only gives a fresh, untrusted, rate-limited device.
    """
    return device_from_cookie(app_state(request).secret,
                              request.cookies.get(DEVICE_COOKIE, ""))


def device_from_cookie(secret: str, cookie: str) -> tuple[str, bool]:
    """`device_id` from the device cookie's value itself."""
    known = unsigned_device(secret, cookie)
    return (known, False) if known else (secrets.token_urlsafe(12), True)


def signed_device(request: HTTPConnection) -> str:
    """The device id of a valid signed cookie ("" without one); a WebSocket has the cookie
    its upgrade request carried."""
    return unsigned_device(app_state(request).secret, request.cookies.get(DEVICE_COOKIE, ""))


def unsigned_device(secret: str, cookie: str) -> str:
    """The device id in a signed device cookie's value, "" when it is not one of ours."""
    if cookie:
        try:
            return device_signer(secret).unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            pass
    return ""


_COOKIE_SAFE = re.compile(r"[A-Za-z0-9._-]+")
_COOKIE_TAIL = f"; HttpOnly; Max-Age={365 * 86400}; Path=/; SameSite=lax"


def set_device_cookie(request: Request, response: Response, device: str) -> None:
    response.raw_headers.append(device_cookie(app_state(request).secret, device,
                                              request.scope.get("scheme") == "https"))


def device_cookie(secret: str, device: str, secure: bool) -> tuple[bytes, bytes]:
    """The `Set-Cookie` header of a device's signed cookie, as Starlette's `set_cookie`
    writes it, without building a SimpleCookie per post."""
    signed = device_signer(secret).sign(device).decode()
    if not _COOKIE_SAFE.fullmatch(signed):  # never for our ids; http.cookies would quote
        response = Response()
        response.set_cookie(DEVICE_COOKIE, signed, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=secure)
        return response.raw_headers[-1]
    value = f"{DEVICE_COOKIE}={signed}{_COOKIE_TAIL}{'; Secure' if secure else ''}"
    return (b"set-cookie", value.encode("latin-1"))


def client_ip(request: HTTPConnection) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return scope_address(request.scope)


def scope_address(scope: Scope) -> str:
    """`client_ip` from the ASGI scope itself."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@functools.lru_cache(maxsize=4)
def _author_mac(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def keyed(secret: str, kind: str, identity: str) -> str:
    """`kind:` + a keyed hash of `identity`: it identifies without revealing."""
    digest = _author_mac(secret).copy()  # the keyed state, set up once
    digest.update(identity.encode())
    return f"{kind}:{digest.hexdigest()[:20]}"


def author_key(request: HTTPConnection, kind: str, identity: str) -> str:
    """The author key of a device or phone, with this process's secret."""
    return keyed(app_state(request).secret, kind, identity)


def phone_digits(phone: str) -> str:
    """The digits of a number as a provider sends it: `+33 6 12…` and `33612…` are one."""
    return "".join(ch for ch in phone if ch.isdigit())


def phone_key(secret: str, phone: str) -> str:
    """The author key of an SMS sender: what the webhooks store instead of the number."""
    return keyed(secret, "sms", phone_digits(phone))
