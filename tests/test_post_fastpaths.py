"""The post path's shortcuts (docs/performance.md) answer exactly what the long way did:
the live status read by the insert script, the hand-written device cookie, the word-list
trie, the normaliser's and fold's fast paths, the 202's body, the items' JSON and times. HTTP
answers come from the app in-process."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from starlette.responses import Response

from tests.conftest import EventFixture
from tests.support.clients import post
from tests.support.inprocess import InProcessApp
from wall.http import BodyError, _check_values, parse_json
from wall.identity import DEVICE_COOKIE
from wall.models import Item
from wall.moderation.text import normalise_text
from wall.moderation.wordlist import _pattern, base_words, fold
from wall.store import keys
from wall.store.events import update_event

_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_JOINERS = "\u200c\u200d"


def slow_normalise(text: str) -> str:
    """The normaliser before its fast paths: every step on every text."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if ch == "\n" or ch in _JOINERS
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = _one_joiner_between_shown(text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _one_joiner_between_shown(text: str) -> str:
    out = []
    for n, ch in enumerate(text):
        if ch in _JOINERS:
            before = out[-1] if out else " "
            after = next((c for c in text[n + 1:] if c not in _JOINERS), " ")
            if before.isspace() or before in _JOINERS or after.isspace():
                continue
        out.append(ch)
    return "".join(out)


def slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed
                   if not unicodedata.combining(ch) and ch not in _JOINERS)


def flat_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """The word list as one flat alternation, longest first (before the trie)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def found(pattern: re.Pattern[str] | None, text: str) -> tuple[int, str] | None:
    match = pattern.search(text) if pattern is not None else None
    return (match.start(), match.group(0)) if match else None


TEXT = st.text(alphabet=st.sampled_from(list(
    "ab Zé\u0301\n\r\t\u00a0\u3000\u2028\u200b\u200c\u200d\u202e\u00ad\ufeff\x00\x07ßŒ,.-"
    )), max_size=20)


def walk_refuses(data: object) -> bool:
    try:
        _check_values(data)
    except BodyError:
        return True
    return False


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from(["a", "é", "\ud800", "\udfff", "\ud83d", "🙏",
                                        "\\", '"', "1", "["])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=40)


def nested(depth: int, leaf: object) -> object:
    for n in range(depth):
        leaf = [leaf] if n % 2 else {"k": leaf}
    return leaf


@settings(max_examples=600, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=40), st.booleans())
def test_the_body_check_skips_only_documents_the_walk_accepts(
        value: object, depth: int, ascii_only: bool) -> None:
    """parse_json skips the walk when the raw body cannot hold a lone surrogate, a 19-digit
    integer or 32 levels: it refuses exactly what the walk over every value refused."""
    value = nested(depth, value)
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:  # a raw surrogate: refused before any walk
        return
    try:
        data = json.loads(raw)
    except RecursionError:
        return
    try:
        parse_json(raw)
    except BodyError:
        refused = True
    else:
        refused = False
    assert refused == walk_refuses(data)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_normaliser_fast_paths_give_the_full_result(text: str) -> None:
    """Printable or single-line text skips steps but comes out as the full pipeline's."""
    assert normalise_text(text) == slow_normalise(text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_fold_ascii_fast_path_gives_the_full_result(text: str) -> None:
    """fold() of ASCII text (lowercase only) equals NFKD + casefold + no combining marks."""
    assert fold(text) == slow_fold(text)
    assert fold(text.encode("ascii", "ignore").decode()) == \
        slow_fold(text.encode("ascii", "ignore").decode())


def test_fold_accent_fast_path_gives_the_full_result_for_every_character() -> None:
    """fold() of ASCII with accents (U+0300-U+036F) takes a shortcut; after a letter and
    before an accented one, every code point folds as NFKD + casefold + no combining
    marks says (the grapheme joiner U+034F, not combining, included)."""
    for code in range(0x80, 0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        text = f"e{chr(code)}é"
        assert fold(text) == slow_fold(text), hex(code)


WORDS = st.frozensets(st.text(alphabet="ab .-é", min_size=1, max_size=4)
                      .filter(lambda w: bool(w.strip())), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.lists(st.text(alphabet="ab .-éx", max_size=10), min_size=1, max_size=5))
def test_word_trie_matches_what_the_flat_list_matched(words: frozenset[str],
                                                      texts: list[str]) -> None:
    """Same first match (position and word, longest first) as the flat alternation."""
    trie, flat = _pattern(words), flat_pattern(words)
    for text in texts:
        assert found(trie, text) == found(flat, text)


def test_word_trie_on_the_real_lists_matches_the_flat_list() -> None:
    """On the French and English lists, sentences built of listed words match alike."""
    words = sorted(base_words())
    trie, flat = _pattern(frozenset(words)), flat_pattern(frozenset(words))
    matched = 0
    for n, word in enumerate(words):
        text = fold(f"bonjour {word}{'s' if n % 3 == 0 else ''}, {words[n // 2]} la salle")
        assert found(trie, text) == found(flat, text)
        matched += found(trie, text) is not None
    assert matched > len(words) // 2


def test_device_cookie_header_is_the_one_starlette_writes() -> None:
    """The hand-written Set-Cookie equals Starlette's set_cookie, over http and https."""
    from types import SimpleNamespace

    from wall.identity import device_signer, set_device_cookie

    for scheme in ("http", "https"):
        request = SimpleNamespace(scope={"scheme": scheme},
                                  app=SimpleNamespace(appstate=SimpleNamespace(secret="k")))
        ours = Response()
        set_device_cookie(request, ours, "AbC-d_e")  # type: ignore[arg-type]
        theirs = Response()
        theirs.set_cookie(DEVICE_COOKIE, device_signer("k").sign("AbC-d_e").decode(),
                          max_age=365 * 86400, httponly=True, samesite="lax",
                          secure=scheme == "https")
        assert ours.raw_headers == theirs.raw_headers


@given(st.text(), st.sampled_from(["pending", "approved"]))
def test_the_accepted_answer_is_the_json_starlette_renders(item_id: str, status: str) -> None:
    """The post's 202 body, escaped by hand, is byte for byte JSONResponse's."""
    from starlette.responses import JSONResponse

    from wall.routes.audience import accepted_body

    try:
        expected = JSONResponse({"id": item_id, "status": status}).body
    except UnicodeEncodeError:  # a lone surrogate: neither can send it
        with pytest.raises(UnicodeEncodeError):
            accepted_body(item_id, status)
        return
    assert accepted_body(item_id, status) == expected


OPTIONAL_TEXT = st.none() | st.text()
MEDIA = st.lists(st.dictionaries(st.sampled_from(["url", "alt", "type"]), st.text(),
                                 max_size=3), max_size=2)


@settings(max_examples=300, deadline=None)
@given(st.builds(Item, id=st.text(), event=st.text(), source=st.text(), source_id=st.text(),
                 author=st.text(), text=st.text(), received_at=st.text(), media=MEDIA,
                 url=OPTIONAL_TEXT, author_key=OPTIONAL_TEXT, avatar=OPTIONAL_TEXT,
                 sensitive=st.booleans(), content_warning=OPTIONAL_TEXT,
                 revealed=st.booleans(), kind=st.text(), held=st.text(), lang=st.text()))
def test_the_stored_item_is_what_json_dumps_writes(item: Item) -> None:
    """An item's stored JSON, written field by field, is json.dumps of all its fields in
    order (ensure_ascii=False, no spaces): a field added to Item and not to to_json fails
    here."""
    expected = json.dumps(dataclasses.asdict(item), ensure_ascii=False, separators=(",", ":"))
    assert item.to_json() == expected
    assert Item.from_json(item.to_json()) == item


@given(st.floats(min_value=0, max_value=2**33, allow_nan=False))
def test_the_cached_second_gives_what_datetime_gave(now: float) -> None:
    """Item times (`utc_iso`, the second formatted once) are datetime's isoformat, ms."""
    from datetime import UTC, datetime

    from wall.models import utc_iso

    expected = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    assert utc_iso(now) == expected.replace("+00:00", "Z")
    later = now + 0.0015  # the same second again, or the next one: never a stale second
    assert utc_iso(later) == datetime.fromtimestamp(later, UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def test_device_signer_signs_as_itsdangerous_does() -> None:
    """The cached signer's cookies and itsdangerous' plain Signer's are interchangeable."""
    from itsdangerous import Signer

    from wall.identity import device_signer

    for secret in ("k", "bench-secret", "clé"):
        plain = Signer(secret, salt="device")
        for device in ("AbC-d_e", "x" * 16, ""):
            assert device_signer(secret).sign(device) == plain.sign(device)
            assert device_signer(secret).unsign(plain.sign(device)) == device.encode()
    assert device_signer("k").sign("a") != device_signer("l").sign("a")


async def test_device_cookie_round_trips_through_the_server(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """The first post sets the cookie; later posts keep the same author (no new cookie)."""
    first = await post(app_client, event.slug, "un")
    assert DEVICE_COOKIE in first.cookies
    second = await post(app_client, event.slug, "deux")
    assert second.status_code == 202 and DEVICE_COOKIE not in second.cookies
    items = [await redis.hget(keys.items(event.slug), r.json()["id"]) for r in (first, second)]
    assert '"author_key":"web:' in items[0] and \
        items[0].split('"author_key":')[1][:26] == items[1].split('"author_key":')[1][:26]


async def test_closing_is_seen_at_once_though_settings_are_cached(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Settings cached as open, event closed in Redis: the next post is 403, nothing kept;
    an empty message or a phone past its limit still hears `closed` first."""
    assert (await post(app_client, event.slug, "avant")).status_code == 202
    before = await redis.xlen(keys.inbox(event.slug))
    await update_event(redis, event.slug, {"status": "closed"})
    for text in ("après", "   "):
        res = await post(app_client, event.slug, text)
        assert res.status_code == 403 and res.json()["error"] == "event_closed"
    await update_event(redis, event.slug, {"status": "draft"})
    res = await post(app_client, event.slug, "brouillon")
    assert res.status_code == 403 and res.json()["error"] == "event_not_open"
    assert await redis.xlen(keys.inbox(event.slug)) == before


@pytest.fixture
async def phone(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A phone on an app where a device may post twice a minute."""
    async with InProcessApp(redis_url, {"CLAMEUR_RATE_LIMITS": "post_device=2/60"}) as app:
        async with app.client() as client:
            yield client


async def test_a_phone_past_its_limit_on_a_closed_event_hears_closed(
        phone: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Past the per-device post limit, a closed event answers 403, not 429."""
    codes = [(await post(phone, event.slug, f"message {n}")).status_code
             for n in range(3)]
    assert codes == [202, 202, 429]
    await update_event(redis, event.slug, {"status": "closed"})
    res = await post(phone, event.slug, "encore")
    assert res.status_code == 403 and res.json()["error"] == "event_closed"


async def test_posts_refused_as_closed_do_not_count_against_the_limit(
        phone: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Three posts to the closed event, reopened: the phone still has its second post."""
    assert (await post(phone, event.slug, "un")).status_code == 202
    await update_event(redis, event.slug, {"status": "closed"})
    assert [(await post(phone, event.slug, "fermé")).status_code
            for _ in range(3)] == [403] * 3
    await update_event(redis, event.slug, {"status": "open"})
    assert [(await post(phone, event.slug, f"rouvert {n}")).status_code
            for n in range(2)] == [202, 429]
    assert await redis.hlen(keys.items(event.slug)) == 2


async def test_empty_messages_count_against_the_limit(
        phone: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """An empty message is 422 but counted, as before the count moved into the insert."""
    codes = [(await post(phone, event.slug, text)).status_code
             for text in ("plein", "   ", "encore", "   ")]
    assert codes == [202, 422, 429, 429]
    assert await redis.hlen(keys.items(event.slug)) == 1
