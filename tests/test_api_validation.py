"""Bad requests get a clear error and store nothing; tokens guard moderator routes.

HTTP answers are asked of the app in-process (`app_client`); the sockets' closes of a real
server (`server`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.clients import FeedClient, decide, post
from tests.support.servers import ServerProcess
from wall.store import keys


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[ServerProcess]:
    """The module's real server, re-checking tokens often: a revoked token shows at once."""
    proc = ServerProcess(redis_url=redis_url,
                         env={"CLAMEUR_TOKEN_RECHECK_SECONDS": "0.2"}).start()
    yield proc
    proc.stop()


async def stored(redis: Redis, slug: str) -> int:
    return int(await redis.xlen(keys.inbox(slug))) + int(await redis.hlen(keys.items(slug)))


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Bearer t-zzz.forged"},
                                     {"Authorization": "Basic abc"}])
async def test_queue_needs_a_valid_token(app_client: httpx.AsyncClient, event: EventFixture,
                                         headers: dict[str, str]) -> None:
    """The queue answers 401 without a token, with a wrong one, or with a forged one."""
    res = await app_client.get(f"/api/events/{event.slug}/queue", headers=headers)
    assert res.status_code == 401
    assert res.json()["error"] == "unauthorised"


async def test_decision_without_token_is_refused_and_changes_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """A decision with no or a wrong token is 401 and the item stays pending."""
    item_id = (await post(app_client, event.slug, "garde")).json()["id"]
    for token in ("-", "nope", event.token + "x"):
        res = await decide(app_client, event.slug, item_id, "approve", token)
        assert res.status_code == 401
    assert await redis.hget(keys.state(event.slug), item_id) == "pending"
    assert await redis.xlen(keys.feed(event.slug)) == 0


async def test_token_of_another_event_is_forbidden(app_client: httpx.AsyncClient,
                                                   event: EventFixture, redis: Redis) -> None:
    """A valid token of another event gets 403, not access."""
    other = await make_event(redis)
    res = await app_client.get(f"/api/events/{event.slug}/queue", headers=other.auth)
    assert res.status_code == 403


async def test_moderator_socket_closes_4401_without_token(server: ServerProcess,
                                                          event: EventFixture) -> None:
    """/ws/moderate closes with 4401 before any data frame without a valid token."""
    for suffix in ("", "?token=wrong"):
        ws = await websockets.connect(f"{server.ws_url}/ws/moderate/{event.slug}{suffix}")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_moderator_socket_accepts_query_and_header_tokens(server: ServerProcess,
                                                                event: EventFixture) -> None:
    """A valid token in the query or the header opens the moderators' live queue."""
    by_query = await FeedClient.connect(
        f"{server.ws_url}/ws/moderate/{event.slug}?token={event.token}")
    assert (await by_query.next("queue"))["moderator"] == "alice"
    by_header = await FeedClient.connect(f"{server.ws_url}/ws/moderate/{event.slug}",
                                         additional_headers=event.auth)
    await by_header.next("queue")
    await by_query.close()
    await by_header.close()


async def test_unknown_event_is_404_everywhere(http: httpx.AsyncClient,
                                               server: ServerProcess) -> None:
    """Posts, reactions, pages and the wall socket of an unknown event answer 404/4404."""
    assert (await post(http, "no-such-event", "hello")).status_code == 404
    res = await http.post("/api/events/no-such-event/reactions", json={"kind": "clap"})
    assert res.status_code == 404
    assert (await http.get("/wall/no-such-event")).status_code == 404
    assert (await http.get("/e/no-such-event")).status_code == 404
    ws = await websockets.connect(f"{server.ws_url}/ws/wall/no-such-event")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.parametrize("body", [
    {"text": "x" * 501}, {"text": ""}, {"text": "   \n\t "}, {"text": "\u200b\u202e"},
    {"text": 42}, {}, {"text": "ok", "author": ["list"]}, {"text": "ok", "author": "a" * 61},
    {"text": "ok", "source_id": ""},
])
async def test_invalid_posts_are_422_and_store_nothing(app_client: httpx.AsyncClient,
                                                       event: EventFixture, redis: Redis,
                                                       body: dict[str, object]) -> None:
    """Text over 500 characters, empty or invisible, wrong types: 422 naming the field."""
    res = await app_client.post(f"/api/events/{event.slug}/posts", json=body)
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["field"] in ("text", "author", "source_id")
    assert await stored(redis, event.slug) == 0


async def test_exactly_500_characters_is_accepted(app_client: httpx.AsyncClient,
                                                  event: EventFixture) -> None:
    """500 characters after normalisation is the limit, accepted whole."""
    text = "é" * 500
    res = await post(app_client, event.slug, text)
    assert res.status_code == 202


@pytest.mark.parametrize("raw, ctype, status", [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b"\xff\xfe{}", "application/json", 400),
    (b'{"text": "hi"}', "text/plain", 415),
    (b'{"text": "' + b"a" * 20000 + b'"}', "application/json", 413),
])
async def test_malformed_bodies_get_clear_errors_and_store_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis,
        raw: bytes, ctype: str, status: int) -> None:
    """Invalid JSON 400, wrong type 415, too large 413 — each with a message; nothing stored."""
    res = await app_client.post(f"/api/events/{event.slug}/posts", content=raw,
                                headers={"Content-Type": ctype})
    assert res.status_code == status, res.text
    assert res.json()["message"]
    assert await stored(redis, event.slug) == 0


async def test_unknown_action_and_item_are_refused(app_client: httpx.AsyncClient,
                                                   event: EventFixture) -> None:
    """An unknown action is 422; an unknown item is 404."""
    item_id = (await post(app_client, event.slug, "x")).json()["id"]
    res = await decide(app_client, event.slug, item_id, "explode", event.token)
    assert res.status_code == 422
    res = await decide(app_client, event.slug, "nope", "approve", event.token)
    assert res.status_code == 404


@pytest.mark.parametrize("body", [{"kind": "boom"}, {"kind": "clap", "count": 0},
                                  {"kind": "clap", "count": 10_000}, {"kind": "clap", "count": "3"},
                                  {"counts": [1]}, {"kind": "clap", "count": True}])
async def test_invalid_reactions_are_422(app_client: httpx.AsyncClient, event: EventFixture,
                                         body: dict[str, object]) -> None:
    """Unknown kinds and absurd counts are refused with 422."""
    res = await app_client.post(f"/api/events/{event.slug}/reactions", json=body)
    assert res.status_code == 422


async def test_closed_event_refuses_posts(app_client: httpx.AsyncClient, redis: Redis) -> None:
    """A closed event answers 403 event_closed and stores nothing."""
    ev = await make_event(redis, status="closed")
    res = await post(app_client, ev.slug, "trop tard")
    assert res.status_code == 403 and res.json()["error"] == "event_closed"
    assert await stored(redis, ev.slug) == 0


async def test_revoked_token_closes_an_open_moderator_socket(server: ServerProcess,
                                                             event: EventFixture,
                                                             redis: Redis) -> None:
    """Revoking a token closes the moderator WebSocket using it with 4401."""
    from wall.store.tokens import revoke_token, verify_token

    mod = await FeedClient.connect(f"{server.ws_url}/ws/moderate/{event.slug}",
                                   additional_headers=event.auth)
    await mod.next("queue")
    info = await verify_token(redis, event.token)
    assert info is not None and await revoke_token(redis, event.slug, info.id)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await mod.next(limit=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "/api/events/{slug}/mode", {"mode": "post"}),
    ("POST", "/api/events/{slug}/status", {"status": "closed"}),
    ("GET", "/api/events/{slug}/export.json", None),
    ("GET", "/api/events/{slug}/export.csv", None),
    ("GET", "/e/{slug}/report", None),
])
async def test_admin_actions_are_refused_to_moderators(app_client: httpx.AsyncClient,
                                                       event: EventFixture, redis: Redis,
                                                       method: str, path: str,
                                                       body: dict[str, str] | None) -> None:
    """Mode switch, open/close, export and report need an admin token: a moderator gets 403."""
    url = path.format(slug=event.slug)
    res = await app_client.request(method, url, json=body, headers=event.auth)
    assert res.status_code == 403
    meta = await redis.hgetall(keys.meta(event.slug))
    assert meta["mode"] == "pre" and meta["status"] == "open"
    allowed = await app_client.request(method, url, json=body, headers=event.admin_auth)
    assert allowed.status_code == 200, allowed.text
