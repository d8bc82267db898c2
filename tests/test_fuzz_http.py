"""HTTP-level fuzzing of every route: malformed JSON, wrong types, huge and empty bodies,
odd encodings, odd paths — zero 500s, zero crashes, nothing logged as an unhandled error.

Every provider secret is set, so the webhooks check signatures (and, when a request is
signed, go on to read its fields). Routes are fuzzed on the app in-process (an unhandled
exception reaches the test itself); the audience socket on a real server, whose log is
then read."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EventFixture, make_event
from tests.support.inprocess import BASE_URL
from tests.support.servers import ServerProcess
from tests.support.sms import TWILIO_TOKEN, VONAGE_SECRET, vonage_sign
from wall.redis_client import connect

PROVIDER_SECRETS = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "VONAGE_SIGNATURE_SECRET": VONAGE_SECRET,
                    "X_BEARER_TOKEN": "x-bearer", "MASTODON_TOKENS": "social.example=tok"}

ROUTES = [
    ("POST", "/api/events/{slug}/posts"), ("POST", "/api/events/{slug}/reactions"),
    ("GET", "/api/events/{slug}/queue"), ("POST", "/api/events/{slug}/items/{item}/decisions"),
    ("POST", "/api/events/{slug}/items/{item}/author"), ("GET", "/api/events/{slug}/desk"),
    ("GET", "/api/events/{slug}/rules"), ("GET", "/api/events/{slug}/items/{item}/author"),
    ("PUT", "/api/events/{slug}/mode"), ("POST", "/api/events/{slug}/status"),
    ("GET", "/api/events/{slug}/export.csv"), ("GET", "/api/events/{slug}/export.json"),
    ("GET", "/api/events/{slug}/export.ndjson"), ("GET", "/e/{slug}"),
    ("GET", "/e/{slug}/qr.svg"), ("GET", "/e/{slug}/report"), ("GET", "/wall/{slug}"),
    ("GET", "/wall/{slug}/theme.css"), ("POST", "/hooks/twilio/{slug}"),
    ("POST", "/hooks/vonage/{slug}"), ("GET", "/healthz"), ("GET", "/static/{item}"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10),
                                                                      children, max_size=5),
    max_leaves=15)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["text", "author", "source_id", "kind", "count", "counts",
                                     "action", "expected", "flag", "on", "mode", "status"]),
                    json_values, max_size=4).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.just(b""), st.just(b"{" * 5000), st.just(b'{"text": "' + b"\xc3" * 3 + b'"}'),
    st.just(("x" * 70_000).encode()),
    st.text(max_size=200).map(lambda t: t.encode("utf-16")),
)
content_types = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "", "application/xml"])
segments = st.one_of(st.sampled_from(["demo", "{slug}", "..", "%00", "%ff", "a" * 300]),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))


@pytest.fixture(autouse=True)
def provider_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every provider secret set: webhooks verify (a 5xx there is unauthenticated)."""
    for name, value in PROVIDER_SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def fuzz_event(server: ServerProcess, redis_url: str) -> Iterator[EventFixture]:
    async def create() -> EventFixture:
        redis = connect(redis_url)
        try:
            return await make_event(redis)
        finally:
            await redis.aclose()

    yield asyncio.run(create())


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=bodies, ctype=content_types,
       item=segments, with_token=st.booleans(), lang=st.sampled_from(["", "fr", "xx", "é"]))
async def test_no_route_answers_500_to_anything(app_client: httpx.AsyncClient,
                                                event: EventFixture,
                                                caplog: pytest.LogCaptureFixture,
                                                route: tuple[str, str], body: bytes, ctype: str,
                                                item: str, with_token: bool, lang: str) -> None:
    """Whatever the body, type, encoding or path segment: a 2xx/3xx/4xx/503, never a 500."""
    method, template = route
    path = template.replace("{slug}", event.slug).replace("{item}", quote(item, safe="%."))
    headers = {"Content-Type": ctype} if ctype else {}
    if with_token:
        headers["Authorization"] = f"Bearer {event.admin_token}"
    # An unhandled exception is raised here by the transport rather than answered as a 500.
    res = await app_client.request(method, path, content=body, headers=headers,
                                   params={"lang": lang} if lang else None)
    assert res.status_code < 500, (method, path, res.status_code, res.text[:300])
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not logged, [r.getMessage() for r in logged]


odd_text = st.one_of(st.text(max_size=30), st.sampled_from(
    ["100000000", "9" * 5000, "-1", "0", "١٢", "1e9", "é☃", "\udc80", "", "3", "10"]))
webhook_fields = st.dictionaries(
    st.sampled_from(["From", "Body", "MessageSid", "NumMedia", "MediaUrl0", "MediaUrl9",
                     "MediaContentType0", "MediaContentType9", "msisdn", "text", "messageId",
                     "concat", "concat-ref", "concat-part", "concat-total", "timestamp",
                     "nonce", "type", "sig"]), odd_text, max_size=8)


def _form_body(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode("ascii")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(provider=st.sampled_from(["twilio", "vonage"]), fields=webhook_fields,
       signing=st.sampled_from(["none", "garbage", "non-ascii", "valid"]),
       as_json=st.booleans(), fresh=st.booleans())
async def test_webhooks_never_answer_5xx_with_the_secrets_set(
        app_client: httpx.AsyncClient, event: EventFixture, caplog: pytest.LogCaptureFixture,
        provider: str, fields: dict[str, str], signing: str, as_json: bool,
        fresh: bool) -> None:
    """Unsigned, badly signed (non-ASCII included) or validly signed with absurd fields
    (NumMedia of 10^8, 5,000 digits, surrogates, bad parts): 2xx/4xx, never a 5xx."""
    from twilio.request_validator import RequestValidator

    path = f"/hooks/{provider}/{event.slug}"
    headers: dict[str, str | bytes] = {}
    if signing == "valid":  # a provider signs text it can encode
        fields = {k: v.encode("utf-8", "replace").decode() for k, v in fields.items()}
    if provider == "vonage":
        if fresh:
            fields = {**fields, "timestamp": str(int(time.time()))}
        if signing == "valid":
            fields = vonage_sign({k: v for k, v in fields.items() if k != "sig"})
        elif signing == "non-ascii":
            fields = {**fields, "sig": "é" * 64}
        elif signing == "garbage":
            fields = {**fields, "sig": "0" * 64}
    else:
        as_json = False
        if signing == "valid":
            headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(
                f"{BASE_URL}{path}", fields)
        elif signing == "non-ascii":
            headers["X-Twilio-Signature"] = "é☃ü".encode()
        elif signing == "garbage":
            headers["X-Twilio-Signature"] = "AAAA"
    if as_json:
        body = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    else:
        body = _form_body(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    res = await app_client.post(path, content=body, headers=headers)
    assert res.status_code < 500, (provider, signing, fields, res.status_code, res.text[:300])
    if signing in ("none", "garbage", "non-ascii"):
        assert res.status_code in (400, 403), (provider, signing, res.status_code)
    elif provider == "twilio" or fresh:  # signed and fresh: read, whatever it says
        assert res.status_code in (200, 204), (provider, fields, res.status_code, res.text)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not logged, [r.getMessage() for r in logged]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=st.lists(st.one_of(json_values.map(json.dumps), st.text(max_size=300),
                                 st.just("x" * 70_000)), min_size=1, max_size=5))
def test_audience_socket_survives_any_frames(server: ServerProcess, fuzz_event: EventFixture,
                                             frames: list[str]) -> None:
    """Garbage frames on the audience socket are ignored (or the socket closed for size);
    the server stays up and keeps serving."""

    async def run() -> None:
        async with websockets.connect(f"{server.ws_url}/ws/audience/{fuzz_event.slug}",
                                      max_size=None) as ws:
            await ws.recv()  # snapshot
            for frame in frames:
                try:
                    await ws.send(frame)
                except websockets.ConnectionClosed:
                    break

    asyncio.run(run())
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_fuzzing_left_no_traceback_in_the_server_log(server: ServerProcess) -> None:
    """After the socket fuzz above, the server logged no unhandled exception."""
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "Exception in ASGI application" not in log
