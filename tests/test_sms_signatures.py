"""Webhook signature algorithms against the providers' own: Twilio's SDK, Vonage's spec;
odd signatures and signed-but-odd fields on the real app (in process): never a 500."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from tests.conftest import EventFixture
from tests.support.inprocess import BASE_URL, InProcessApp
from tests.support.sms import (
    TWILIO_TOKEN,
    VONAGE_SECRET,
    twilio_form,
    vonage_params,
    vonage_sign,
)
from tests.support.sources import inbox_items
from wall.sources.signatures import (
    public_url,
    twilio_signature,
    twilio_valid,
    vonage_fresh,
    vonage_valid,
)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                max_size=12)
values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(form=st.dictionaries(names, values, max_size=8),
       path=st.from_regex(r"/hooks/twilio/[a-z0-9-]{1,20}", fullmatch=True))
def test_twilio_signature_matches_the_official_validator(form: dict[str, str],
                                                          path: str) -> None:
    """For any form, our HMAC-SHA1 equals RequestValidator's, and validates."""
    url = f"https://wall.example.org{path}"
    expected = RequestValidator("s3cret").compute_signature(url, form)
    assert twilio_signature("s3cret", url, form.items()) == expected
    assert twilio_valid("s3cret", url, form.items(), expected)
    assert not twilio_valid("other", url, form.items(), expected)


def test_twilio_port_variants_are_judged_like_the_official_validator() -> None:
    """With or without a port, our verdict is RequestValidator.validate's, for each pair."""
    form = {"Body": "Salut", "MessageSid": "SM1"}
    urls = ["https://wall.example.org/hooks/twilio/ev",
            "https://wall.example.org:443/hooks/twilio/ev",
            "https://wall.example.org:8443/hooks/twilio/ev",
            "http://wall.example.org/hooks/twilio/ev",
            "https://other.example.org/hooks/twilio/ev"]
    validator = RequestValidator("tok")
    verdicts = []
    for signed in urls:
        signature = validator.compute_signature(signed, form)
        for checked in urls:
            ours = twilio_valid("tok", checked, form.items(), signature)
            assert ours == validator.validate(checked, form, signature), (signed, checked)
            verdicts.append(ours)
    assert True in verdicts and False in verdicts
    signature = validator.compute_signature(urls[0], form)
    assert not twilio_valid("", urls[0], form.items(), signature)


@settings(max_examples=100, deadline=None)
@given(params=st.dictionaries(st.sampled_from(["msisdn", "to", "messageId", "text", "type",
                                               "concat-ref", "nonce", "timestamp"]), values))
def test_vonage_signature_matches_its_documented_algorithm(params: dict[str, str]) -> None:
    """Signed by the tests' independent implementation: valid; any change: invalid."""
    signed = vonage_sign(params, secret="vsecret")
    assert vonage_valid("vsecret", signed)
    assert vonage_valid("vsecret", {**signed, "sig": signed["sig"].upper()})
    assert not vonage_valid("other", signed)
    assert not vonage_valid("vsecret", {**signed, "extra": "x"})


def request(peer: str, headers: dict[str, str], path: str = "/hooks/twilio/ev") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "scheme": "http", "path": path,
                    "raw_path": path.encode(), "query_string": b"", "root_path": "",
                    "headers": [(b"host", b"10.0.0.5:8000"), *raw], "client": (peer, 4321),
                    "server": ("10.0.0.5", 8000)})


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    """X-Forwarded-Proto/Host rebuild the URL from a trusted peer, are ignored otherwise."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "wall.example.org"}
    assert public_url(request("127.0.0.1", forwarded), "", "127.0.0.1") == \
        "https://wall.example.org/hooks/twilio/ev"
    assert public_url(request("10.1.2.3", forwarded), "", "127.0.0.1,10.1.0.0/16") == \
        "https://wall.example.org/hooks/twilio/ev"
    assert public_url(request("203.0.113.9", forwarded), "", "127.0.0.1") == \
        "http://10.0.0.5:8000/hooks/twilio/ev"
    assert public_url(request("203.0.113.9", forwarded), "https://clameur.example/", "") == \
        "https://clameur.example/hooks/twilio/ev"


def test_any_signature_string_is_a_verdict_never_an_exception() -> None:
    """Non-ASCII, surrogates, empty: compared as bytes, simply invalid."""
    form = [("Body", "Salut")]
    for odd in ("é" * 28, "\udc80", "\x00", "ü=", "🙂"):
        assert not twilio_valid("tok", "https://w.example/hooks/twilio/e", form, odd)
        assert not vonage_valid("secret", {"text": "x", "sig": odd})


def test_vonage_timestamps_must_be_fresh() -> None:
    """Within five minutes of the server's clock: fresh; older, newer, missing or odd: not."""
    now = 1_800_000_000.0
    assert vonage_fresh({"timestamp": str(int(now) - 200)}, now)
    for stamp in (str(int(now) - 301), str(int(now) + 301), "", "abc", "١٢٣", "9" * 5000):
        assert not vonage_fresh({"timestamp": stamp}, now)


@pytest.fixture
async def hooks_app(redis_url: str, monkeypatch: pytest.MonkeyPatch
                    ) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in process, with both providers' secrets set."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("VONAGE_SIGNATURE_SECRET", VONAGE_SECRET)
    async with InProcessApp(redis_url) as app, app.client() as client:
        yield client


def twilio_signed(slug: str, form: dict[str, str]) -> dict[str, str]:
    url = f"{BASE_URL}/hooks/twilio/{slug}"
    return {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(url, form)}


async def test_non_ascii_signatures_are_refused_with_403(hooks_app: httpx.AsyncClient,
                                                         event: EventFixture) -> None:
    """A non-ASCII X-Twilio-Signature or Vonage `sig` is a 403, not a 500."""
    res = await hooks_app.post(f"/hooks/twilio/{event.slug}", data=twilio_form("Salut"),
                               headers={"X-Twilio-Signature": "é☃".encode()})
    assert res.status_code == 403, res.text
    params = {**vonage_params("Salut"), "sig": "é" * 64}
    assert (await hooks_app.post(f"/hooks/vonage/{event.slug}", data=params)).status_code == 403
    res = await hooks_app.post(f"/hooks/vonage/{event.slug}", json=params)
    assert res.status_code == 403


async def test_a_signed_num_media_is_clamped_to_ten(hooks_app: httpx.AsyncClient,
                                                    event: EventFixture, redis: Redis) -> None:
    """A signed NumMedia of 100,000,000 answers at once and stores at most 10 images."""
    media = {f"MediaUrl{n}": f"https://media.example/{n}.jpg" for n in range(12)}
    kinds = {f"MediaContentType{n}": "image/jpeg" for n in range(12)}
    form = twilio_form("Regardez", NumMedia="100000000", **media, **kinds)
    res = await hooks_app.post(f"/hooks/twilio/{event.slug}", data=form,
                               headers=twilio_signed(event.slug, form))
    assert res.status_code == 200, res.text
    (item,) = await inbox_items(redis, event.slug)
    assert [m["url"] for m in item.media] == [f"https://media.example/{n}.jpg"
                                              for n in range(10)]


async def test_a_replayed_vonage_request_is_refused_once_stale(
        hooks_app: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """A correctly signed request whose timestamp is ten minutes old is a 403, stores nothing;
    the same message freshly signed is stored."""
    old = vonage_sign(vonage_params("Bonjour", timestamp=str(int(time.time()) - 600)))
    res = await hooks_app.post(f"/hooks/vonage/{event.slug}", data=old)
    assert res.status_code == 403 and res.json()["error"] == "stale_signature"
    assert await inbox_items(redis, event.slug) == []
    fresh = vonage_sign(vonage_params("Bonjour"))
    assert (await hooks_app.post(f"/hooks/vonage/{event.slug}", data=fresh)).status_code == 204
    assert [i.text for i in await inbox_items(redis, event.slug)] == ["Bonjour"]


async def test_malformed_vonage_json_bodies_are_400(hooks_app: httpx.AsyncClient,
                                                    event: EventFixture) -> None:
    """Deep nesting, a 4,301-digit integer, a lone surrogate, a list: 400 before any check."""
    path = f"/hooks/vonage/{event.slug}"
    for body in (b"[" * 3000, b'{"text": ' + b"9" * 4301 + b"}", b'{"text": "\\ud800"}',
                 b"[1, 2]"):
        res = await hooks_app.post(path, content=body,
                                   headers={"Content-Type": "application/json"})
        assert res.status_code == 400, (body[:20], res.status_code, res.text)
