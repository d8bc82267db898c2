"""A response's head goes out with its body in one write (wall/httpguard.py), and nothing
is lost or reordered: pipelined requests, HEAD (a head and no body), a post's cookie."""

from __future__ import annotations

import asyncio
import re
import socket

import pytest

from tests.conftest import EventFixture
from tests.support.servers import ServerProcess
from wall.httpguard import _HeadWithBody


class _Recorder:
    """An asyncio transport that records what is written to it (not our code)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_a_head_waits_for_its_body_and_never_longer_than_the_turn() -> None:
    loop = asyncio.get_running_loop()
    real = _Recorder()
    seen = _HeadWithBody(real, loop)  # type: ignore[arg-type]
    seen.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n")
    seen.write(b"{}")
    assert real.writes == [b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}"]
    # A head alone (HEAD, a body sent later): written at the end of this turn of the loop.
    seen.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert len(real.writes) == 1
    await asyncio.sleep(0)
    assert real.writes[1] == b"HTTP/1.1 200 OK\r\n\r\n"
    # Other writes go out at once; a held head goes out before anything after it.
    seen.write(b"chunk")
    seen.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    seen.write(b"more")
    assert real.writes[2:] == [b"chunk", b"HTTP/1.1 100 Continue\r\n\r\nmore"]
    seen.write(b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    seen.close()
    assert real.writes[-1] == b"HTTP/1.1 500 Internal Server Error\r\n\r\n" and real.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing more to write
    assert len(real.writes) == 5
    assert seen.get_extra_info("peername") == "info:peername"


def _exchange(port: int, raw: bytes) -> bytes:
    """Send `raw` at once (its last request asks to close) and read until the server
    closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_pipelined_requests_are_answered_whole_and_in_order(server: ServerProcess,
                                                             method: str) -> None:
    one = f"{method} /healthz HTTP/1.1\r\nhost: x\r\n\r\n".encode()
    last = f"{method} /nowhere HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".encode()
    data = _exchange(server.port, one * 3 + last)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
    assert statuses == [b"200", b"200", b"200", b"404"]
    assert data.count(b"content-security-policy:") == 4
    parts = data.split(b"\r\n\r\n")
    if method == "HEAD":  # heads only: nothing after each one
        assert [p.startswith(b"HTTP/1.1 ") for p in parts[:4]] == [True] * 4
        assert parts[4] == b""
    else:  # each head followed by its whole body, then the next head
        body_then_head = re.compile(rb"\{[^\r\n]*\}(HTTP/1\.1 .*)?", re.DOTALL)
        assert all(body_then_head.fullmatch(p) for p in parts[1:])


def test_a_post_is_answered_whole_with_its_cookie(server: ServerProcess,
                                                  event: EventFixture) -> None:
    body = b'{"text": "Bonjour la salle", "author": "Camille"}'
    request = (f"POST /api/events/{event.slug}/posts HTTP/1.1\r\nhost: x\r\n"
               f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
               ).encode() + body
    closing = request.replace(b"host: x\r\n", b"host: x\r\nconnection: close\r\n")
    data = _exchange(server.port, request + closing)
    assert data.count(b"HTTP/1.1 202 Accepted\r\n") == 2
    assert data.count(b"set-cookie: clameur_device=") == 2
    assert data.count(b'"status":"pending"}') == 2
