"""A deliberately small WebSocket client for load generation (RFC 6455, no extensions).

The `websockets` library costs a task, futures and a queue per message; with thousands of
connections in one generator process that cost would cap the measure, not the server. This
client parses frames in `data_received`, records arrival times, answers pings, and can stop
reading altogether (a slow client). Client frames are masked with a zero key (allowed by
the RFC; the mask is then the identity), so sending costs one header and one write.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import time
from collections.abc import Callable

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
_ZERO_MASK = b"\x00\x00\x00\x00"

OnText = Callable[["FrameClient", bytes, float], None]


def frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """One masked client frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + _ZERO_MASK + payload


class FrameClient(asyncio.Protocol):
    """One connection; `on_text(client, payload, monotonic_time)` for every text frame."""

    def __init__(self, on_text: OnText | None = None) -> None:
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.upgraded = False
        self.frames = 0
        self.close_code = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = bytes(self.buffer[:end]), self.buffer[end + 4:]
            self.upgraded = head.startswith(b"HTTP/1.1 101")
            if not self.handshake.done():
                self.handshake.set_result(head)
            if not self.upgraded:
                return
        self._parse(time.monotonic())

    def _parse(self, now: float) -> None:
        buf = self.buffer
        pos = 0
        while len(buf) - pos >= 2:
            opcode, n = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            start = pos + 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, start = struct.unpack_from("!H", buf, pos + 2)[0], pos + 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, start = struct.unpack_from("!Q", buf, pos + 2)[0], pos + 10
            if len(buf) - start < n:
                break
            payload = bytes(buf[start:start + n])
            pos = start + n
            self._handle(opcode, payload, now)
        del buf[:pos]

    def _handle(self, opcode: int, payload: bytes, now: float) -> None:
        if opcode == OP_TEXT:
            self.frames += 1
            if self.on_text is not None:
                self.on_text(self, payload, now)
        elif opcode == OP_PING:
            self.send(payload, OP_PONG)
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if not self.closed.done():
                self.closed.set_result(self.close_code)
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError("closed during the handshake"))
        self.close_code = self.close_code or 1006  # closed without a close frame
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def send(self, payload: bytes, opcode: int = OP_TEXT) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(payload, opcode))

    def pause(self) -> None:
        """Stop reading: the server's writes pile up in the kernel, then in its queue."""
        if self.transport is not None:
            self.transport.pause_reading()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send(struct.pack("!H", 1000), OP_CLOSE)
            self.transport.close()


async def connect(host: str, port: int, path: str, on_text: OnText | None = None,
                  rcvbuf: int = 0, cookie: str = "") -> FrameClient:
    """Open a WebSocket to `ws://host:port/path` and wait for the `101` (`cookie`: a
    Cookie header, as a phone's page sends its signed device cookie)."""
    loop = asyncio.get_running_loop()
    if rcvbuf:
        # Set before connecting, so the advertised TCP window stays small: the server's
        # writes back up after a few KB instead of filling megabytes of kernel buffers.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
        _, client = await loop.create_connection(lambda: FrameClient(on_text), sock=sock)
    else:
        _, client = await loop.create_connection(lambda: FrameClient(on_text), host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    assert client.transport is not None
    client.transport.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\n{extra}\r\n".encode())
    head = await asyncio.wait_for(client.handshake, timeout=30)
    if not client.upgraded:
        client.transport.close()
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    return client
