"""Webhook signature algorithms against the providers' own: Twilio's SDK, Vonage's spec."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from tests.support.sms import vonage_sign
from wall.sources.signatures import (
    public_url,
    twilio_signature,
    twilio_valid,
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
