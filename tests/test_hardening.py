"""A server that faces the room directly: malformed bodies, slow bodies, huge headers,
floods from one address, odd languages and refusals all get a small, safe answer.

Answers of the app are asked in-process; what only a real server does (header cap, header
timeout) is asked of a real `clameur serve` over raw sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.routing import Route

from tests.conftest import EventFixture, make_event
from tests.support.clients import FeedClient, approved
from tests.support.inprocess import BASE_URL, InProcessApp
from tests.support.servers import ServerProcess
from tests.support.sources import eventually, inbox_items
from tests.support.timing import timeout
from wall.i18n import from_accept_language
from wall.models import Event, Item
from wall.moderation.links import LINK_MARK, has_link, remove_links
from wall.moderation.rules import content_verdict
from wall.store import keys
from wall.store.events import update_event

MALFORMED = {
    "3,000 nested [": b'{"text": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "an integer of 4,301 digits": b'{"text": "a", "count": ' + b"9" * 4301 + b"}",
    "a lone surrogate": b'{"text": "salut", "source_id": "\\ud800"}',
    "NaN": b'{"text": "a", "count": NaN}',
}


@pytest.mark.parametrize("name", list(MALFORMED))
async def test_malformed_json_is_a_400_and_stores_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis, name: str) -> None:
    """Deep nesting, huge integers, lone surrogates, NaN: 400 before any work, not a 500."""
    for route in ("posts", "reactions"):
        res = await app_client.post(f"/api/events/{event.slug}/{route}",
                                    content=MALFORMED[name],
                                    headers={"Content-Type": "application/json"})
        assert res.status_code == 400, (name, route, res.status_code, res.text[:200])
        assert res.json()["error"] == "bad_request"
        assert res.headers["content-security-policy"].startswith("default-src 'self'")
    assert await redis.xlen(keys.inbox(event.slug)) == 0


async def test_malformed_bodies_count_against_the_address(redis_url: str,
                                                          event: EventFixture) -> None:
    """Garbage costs the address's post budget: past it, 429 instead of more 400s."""
    async with InProcessApp(redis_url, env={"CLAMEUR_RATE_LIMITS": "post_ip=3/60"}) as app, \
            app.client() as client:
        codes = [(await client.post(f"/api/events/{event.slug}/posts", content=b"[" * 3000,
                                    headers={"Content-Type": "application/json"})).status_code
                 for _ in range(5)]
    assert codes == [400, 400, 400, 429, 429]


@pytest.fixture
async def slow_app(redis_url: str) -> AsyncIterator[InProcessApp]:
    async with InProcessApp(redis_url, env={"CLAMEUR_READ_TIMEOUT_SECONDS": "0.3"}) as app:
        yield app


async def test_a_body_that_stalls_gets_408(slow_app: InProcessApp, event: EventFixture) -> None:
    """Headers sent, then half a body and silence: 408 after the read timeout, nothing kept."""
    never = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b'{"text": "pa'
        await never.wait()

    async with slow_app.client() as client:
        res = await asyncio.wait_for(client.post(
            f"/api/events/{event.slug}/posts", content=body(),
            headers={"Content-Type": "application/json", "Content-Length": "40"}),
            timeout(10))
    assert res.status_code == 408 and res.json()["error"] == "timeout"
    assert res.headers["connection"] == "close"


def test_accept_language_is_read_from_a_bounded_prefix() -> None:
    """Usual headers pick by quality; a language past the first tags is not looked for."""
    assert from_accept_language("en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert from_accept_language("de,en;q=0.5,fr;q=0.4") == "en"
    assert from_accept_language("en;q=0,fr;q=0.1") == "fr"
    assert from_accept_language("de," * 1_000_000 + "en") == "fr"


async def test_refusals_and_crashes_carry_the_security_headers(
        inprocess_app: InProcessApp, event: EventFixture) -> None:
    """The foreign-Origin 403, a 404, a 429-like refusal and an unhandled 500 all carry CSP,
    nosniff and the referrer policy."""

    async def boom(request: Request) -> None:
        raise RuntimeError("boom")

    inprocess_app.app.router.routes.append(Route("/test-boom", boom))
    transport = httpx.ASGITransport(app=inprocess_app.app, raise_app_exceptions=False,
                                    client=("10.9.8.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        answers = [
            await client.post(f"/api/events/{event.slug}/posts", json={"text": "x"},
                              headers={"Origin": "https://evil.example"}),
            await client.get("/api/events/nope/queue"),
            await client.get("/test-boom"),
        ]
    assert [a.status_code for a in answers] == [403, 401, 500]
    for answer in answers:
        assert "img-src 'self'" in answer.headers["content-security-policy"], answer
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert answers[2].json()["error"] == "internal"


async def test_one_address_cannot_hold_more_than_its_share(redis_url: str,
                                                           event: EventFixture) -> None:
    """With a cap of 2 per address: a third request in progress from the same address gets
    503; another address is served; once one finishes, the address is served again."""
    async with InProcessApp(redis_url, env={"CLAMEUR_MAX_CONNECTIONS_PER_ADDRESS": "2",
                                            "CLAMEUR_READ_TIMEOUT_SECONDS": "30"}) as app:
        release, both_reading = asyncio.Event(), asyncio.Event()
        reading: list[int] = []

        async def held() -> AsyncIterator[bytes]:
            yield b'{"text": '
            reading.append(1)  # the app read the first chunk and waits for the rest
            if len(reading) == 2:
                both_reading.set()
            await release.wait()
            yield b'"ok"}'

        path = f"/api/events/{event.slug}/posts"
        ctype = {"Content-Type": "application/json"}
        async with app.client("10.1.1.1") as phone, app.client("10.1.1.2") as other:
            slow = [asyncio.create_task(phone.post(path, content=held(), headers=ctype))
                    for _ in range(2)]
            await asyncio.wait_for(both_reading.wait(), timeout(10))
            third = await phone.post(path, json={"text": "trois"})
            assert third.status_code == 503 and third.json()["error"] == "too_many_connections"
            assert (await other.post(path, json={"text": "ailleurs"})).status_code == 202
            release.set()
            assert [t.status_code for t in await asyncio.gather(*slow)] == [202, 202]
            assert (await phone.post(path, json={"text": "après"})).status_code == 202


@pytest.fixture(scope="module")
def room_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real `clameur serve` with a one-second read timeout."""
    proc = ServerProcess(redis_url=redis_url, env={"CLAMEUR_READ_TIMEOUT_SECONDS": "1"})
    yield proc.start()
    proc.stop()


async def raw_exchange(server: ServerProcess, data: bytes) -> bytes:
    """Send `data` on a fresh connection (as far as the server lets it), then read what the
    server answers until it closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        for start in range(0, len(data), 64 * 1024):
            writer.write(data[start:start + 64 * 1024])
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass  # refused mid-way: what it answered is still to be read
    try:
        return await asyncio.wait_for(reader.read(), timeout(10))
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


async def test_a_1_mb_header_gets_431_and_a_12_kb_one_passes(room_server: ServerProcess
                                                              ) -> None:
    """A request head past 16 KB is refused with 431 (and the security headers) before it
    is read whole; a cookie-heavy 12 KB head is served; the server stays healthy."""
    huge = (b"GET /healthz HTTP/1.1\r\nHost: wall\r\nX-Big: " + b"a" * 1024 * 1024
            + b"\r\n\r\n")
    answer = await raw_exchange(room_server, huge)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert b"content-security-policy:" in answer.lower()
    fine = (b"GET /healthz HTTP/1.1\r\nHost: wall\r\nCookie: " + b"c" * 12 * 1024
            + b"\r\nConnection: close\r\n\r\n")
    assert (await raw_exchange(room_server, fine)).startswith(b"HTTP/1.1 200 ")


async def test_stalled_requests_are_closed_while_a_wall_keeps_receiving(
        room_server: ServerProcess, event: EventFixture) -> None:
    """Fifty connections that send half a head (and one that sends nothing) get 408 and are
    closed after the read timeout; meanwhile a wall receives what is approved."""
    async with httpx.AsyncClient(base_url=room_server.url, timeout=10) as http:
        wall = await FeedClient.connect(f"{room_server.ws_url}/ws/wall/{event.slug}")
        await wall.next("snapshot")
        stalled = []
        for n in range(51):
            reader, writer = await asyncio.open_connection("127.0.0.1", room_server.port)
            if n:
                writer.write(b"GET /e/x HTTP/1.1\r\nHost: wall\r\nX-Slow: ")
            stalled.append((reader, writer))
        await approved(http, event.slug, "pendant l'attente", event.token)
        assert (await wall.next("item"))["item"]["text"] == "pendant l'attente"
        answers = await asyncio.gather(*(asyncio.wait_for(r.read(), timeout(15))
                                         for r, _ in stalled))
        for _, writer in stalled:
            writer.close()
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[0][:80]
        await approved(http, event.slug, "après", event.token)
        assert (await wall.next("item"))["item"]["text"] == "après"
        await wall.close()


async def test_a_phone_that_leaves_mid_post_stores_nothing_and_is_no_server_error(
        room_server: ServerProcess, event: EventFixture, redis: Redis) -> None:
    """Out of Wi-Fi range while its post travels: the server says the client left (INFO),
    logs no traceback, stores nothing, and the next post from the same phone goes in."""
    async with httpx.AsyncClient(base_url=room_server.url, timeout=10) as http:
        await http.get(f"/e/{event.slug}")
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        _, writer = await asyncio.open_connection("127.0.0.1", room_server.port)
        writer.write(f"POST /api/events/{event.slug}/posts HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{room_server.port}\r\n"
                     f"Origin: {room_server.url}\r\nCookie: {cookie}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                     '{"text": "Où en est le'.encode())
        await writer.drain()
        writer.close()

        async def said() -> bool:
            await asyncio.sleep(0.05)
            return "the client left before its body arrived" in room_server.log_path.read_text()

        await eventually(said)
        posted = await http.post(f"/api/events/{event.slug}/posts", json={"text": "Me revoilà"},
                                 headers={"Origin": room_server.url})
    assert posted.status_code in (201, 202), posted.text
    assert "Exception in ASGI application" not in room_server.log_path.read_text()
    texts = [i.text for i in await inbox_items(redis, event.slug)]
    assert texts == ["Me revoilà"]


async def test_a_draft_shows_no_title_hashtags_or_sms_number(app_client: httpx.AsyncClient,
                                                             redis: Redis) -> None:
    """A draft's phone and wall pages only say "not open yet" (and reload themselves); its
    QR code is a 404 and its theme unknown; once open, the wall shows the title."""
    draft = await make_event(redis, status="draft", theme={"accent": "#ffd700"},
                             hashtags=["motdiese"], sms_number="+33 6 99 88 77 66",
                             sms_keyword="SURPRISE")
    await update_event(redis, draft.slug, {"title": "Lancement secret"})
    for path in (f"/e/{draft.slug}", f"/wall/{draft.slug}"):
        res = await app_client.get(path)
        assert res.status_code == 200 and "pas encore ouvert" in res.text
        assert 'data-waiting="1"' in res.text and "/static/waiting.js" in res.text
        assert "set-cookie" not in res.headers
        for shown in ("Lancement secret", "motdiese", "99 88", "SURPRISE", "ffd700"):
            assert shown not in res.text, (path, shown)
    assert (await app_client.get(f"/e/{draft.slug}/qr.svg")).status_code == 404
    theme = await app_client.get(f"/wall/{draft.slug}/theme.css")
    assert "ffd700" not in theme.text
    await update_event(redis, draft.slug, {"status": "open"})
    opened = await app_client.get(f"/wall/{draft.slug}")
    assert "Lancement secret" in opened.text
    qr = await app_client.get(f"/e/{draft.slug}/qr.svg")
    assert qr.status_code == 200 and "public" not in qr.headers["cache-control"]


async def test_a_draft_refuses_feed_sockets(room_server: ServerProcess, redis: Redis) -> None:
    """Wall and audience sockets of a draft close with 4404, like an unknown event's."""
    draft = await make_event(redis, status="draft")
    for role in ("wall", "audience"):
        client = await FeedClient.connect(f"{room_server.ws_url}/ws/{role}/{draft.slug}")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.parametrize("after", ["+1", " 1", "1_0", "\u0661-0", "1-\u0661",
                                   "18446744073709551616-0", "9" * 25,
                                   "99999999999999-0"])
async def test_an_after_redis_would_refuse_gets_a_snapshot(
        room_server: ServerProcess, event: EventFixture, after: str) -> None:
    """`?after=` values Python's int() takes but Redis refuses (signs, blanks, underscores,
    Arabic digits, past 2^64), and positions the feed never gave: a snapshot, not 1013."""
    async with httpx.AsyncClient(base_url=room_server.url, timeout=10) as http:
        await approved(http, event.slug, "déjà là", event.token)
    url = httpx.URL(f"{room_server.ws_url}/ws/wall/{event.slug}", params={"after": after})
    wall = await FeedClient.connect(str(url))
    snapshot = await wall.next()
    assert snapshot["type"] == "snapshot", snapshot
    assert [i["text"] for i in snapshot["items"]] == ["déjà là"]
    await wall.close()


@pytest.mark.parametrize("text", ["achetez sur spam.de", "voir promo.shop", "x.ru/abc",
                                  "bücher.de", "exemple.рф", "a.co.uk", "go www.x.y now",
                                  "https://a.b/c", "site.fr:8080/x"])
def test_links_are_found_by_the_public_suffix_list(text: str) -> None:
    """Country and new endings (.de, .ru, .shop, IDN) count; `links: block` rejects them."""
    event = Event(slug="e", title="t", links="block")
    item = Item(id="i", event="e", source="web", source_id="s", author="", text=text,
                received_at="")
    verdict = content_verdict(event, item)
    assert verdict is not None and verdict.rule == "links-blocked", text
    assert LINK_MARK in remove_links(text)


@pytest.mark.parametrize("text", ["super.Merci", "version 1.5", "R.E.M.", "co.uk",
                                  "rapport.pdf", "fin de phrase.", "a..b"])
def test_sentences_without_a_real_ending_are_not_links(text: str) -> None:
    """A missing space after a full stop or a version number is not a link."""
    assert not has_link(text) and remove_links(text) == text


async def test_the_join_url_never_comes_from_the_host_header(app_client: httpx.AsyncClient,
                                                              event: EventFixture) -> None:
    """A forged `Host` changes neither the wall's join URL nor its QR code."""
    plain = await app_client.get(f"/wall/{event.slug}")
    forged = await app_client.get(f"/wall/{event.slug}", headers={"Host": "evil.example"})
    assert forged.status_code == 200 and "evil.example" not in forged.text
    assert plain.text == forged.text
    qr = await app_client.get(f"/e/{event.slug}/qr.svg")
    forged_qr = await app_client.get(f"/e/{event.slug}/qr.svg", headers={"Host": "evil.example"})
    assert qr.content == forged_qr.content
