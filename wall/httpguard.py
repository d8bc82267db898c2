"""uvicorn's HTTP protocol, made to hold when phones (and anyone else) reach it directly.

uvicorn with httptools accepts a request head of any size (a 96 MB header block was read
whole) and waits for ever for a head that never ends (1,000 stalled connections held for
300 s+ exhaust a 1,024-file limit). This protocol:

- refuses a head larger than `MAX_HEAD` bytes with `431` before parsing further (counted
  as bytes arrive: httptools buffers a header line whole before any callback sees it);
- gives a client `read_timeout` seconds, from its connection (or the first byte of its
  next request), to finish sending the head, else answers `408` and closes.

Idle keep-alive connections are uvicorn's (`timeout_keep_alive`); a body that stalls after
its head is refused by `wall/http.py::read_body`. The settings travel on the uvicorn
`Config` (pickled to worker processes), see `configure`.

It also writes a response's head with its body: uvicorn writes each on its own (two
`write` system calls per answer, the largest single cost of a post under load); here the
head waits for the body written in the same turn of the event loop, or for the end of that
turn (`_HeadWithBody`).
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wall.config import Settings
from wall.security import security_headers

MAX_HEAD = 16 * 1024
DEFAULT_READ_TIMEOUT = 10.0
# After a refusal the connection is half-closed and what still arrives is read and dropped
# for this long: closing at once with unread bytes makes the kernel send a reset, which can
# destroy the answer before the client reads it.
LINGER = 2.0
_HEAD_END = b"\r\n\r\n"


def _answer(status: int, reason: str, frame_ancestors: str) -> bytes:
    body = reason.encode()
    lines = [f"HTTP/1.1 {status} {reason}".encode(),
             b"content-type: text/plain; charset=utf-8",
             b"content-length: " + str(len(body)).encode(), b"connection: close",
             *(name + b": " + value for name, value in security_headers(frame_ancestors))]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _HeadWithBody:
    """The transport as a request's cycle sees it: a response head (uvicorn writes it
    alone, starting with its status line) is held until the next write, which sends both
    at once, or until the end of this turn of the loop; every other write goes out at
    once, after what is held. Order is kept: nothing overtakes a held head."""

    __slots__ = ("held", "loop", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.loop = loop
        self.held = b""

    def write(self, data: bytes) -> None:
        if self.held:
            data, self.held = self.held + data, b""
        elif data.startswith(b"HTTP/"):
            self.held = data
            self.loop.call_soon(self.flush)
            return
        self.transport.write(data)

    def flush(self) -> None:
        if self.held:
            data, self.held = self.held, b""
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a cap on the request head and a deadline to send it."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_head: int = getattr(config, "clameur_max_head", MAX_HEAD)
        self.read_timeout: float = getattr(config, "clameur_read_timeout",
                                           DEFAULT_READ_TIMEOUT)
        self.frame_ancestors: str = getattr(config, "clameur_frame_ancestors", "'self'")
        self.in_head = True
        self.head_size = 0
        self.tail = b""
        self.head_timer: asyncio.TimerHandle | None = None
        self.refused = False

    # The connection and its timer.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.cycle_transport = _HeadWithBody(transport, self.loop)
        self._start_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _start_timer(self) -> None:
        if self.head_timer is None and self.read_timeout > 0:
            self.head_timer = self.loop.call_later(self.read_timeout, self._head_timed_out)

    def _stop_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.in_head and not self.transport.is_closing():
            self._refuse(408, "Request Timeout")

    def _refuse(self, status: int, reason: str) -> None:
        """Answer, half-close, drop what still comes for LINGER seconds, then close."""
        self._stop_timer()
        self.refused, self.in_head = True, False
        with contextlib.suppress(Exception):
            self.transport.write(_answer(status, reason, self.frame_ancestors))
            if self.transport.can_write_eof():
                self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)

    # Bytes in: counted while a head is being read.
    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.in_head and self.head_size + len(data) > self.max_head:
            room = self.max_head - self.head_size
            window = self.tail + data[:max(room, 0) + len(_HEAD_END)]
            if _HEAD_END not in window:
                self._refuse(431, "Request Header Fields Too Large")
                return
        if self.in_head:
            self.head_size += len(data)
            self.tail = data[-(len(_HEAD_END) - 1):]
        super().data_received(data)

    # Parser callbacks: where a head starts and ends.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_timer()

    def on_headers_complete(self) -> None:
        self.in_head, self.head_size, self.tail = False, 0, b""
        self._stop_timer()
        # The request's cycle, made here, writes through `cycle_transport`; the protocol
        # itself (refusals, upgrades) keeps the real one.
        transport, self.transport = self.transport, self.cycle_transport  # type: ignore[assignment]
        try:
            super().on_headers_complete()
        finally:
            self.transport = transport

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head, self.head_size, self.tail = True, 0, b""


def configure(config: uvicorn.Config, settings: Settings) -> uvicorn.Config:
    """Use the guarded protocol, with this server's read timeout."""
    config.http = GuardedHttpToolsProtocol
    config.clameur_read_timeout = float(settings.read_timeout_seconds)  # type: ignore[attr-defined]
    config.clameur_frame_ancestors = settings.frame_ancestors  # type: ignore[attr-defined]
    # h11 (only if someone forces it) has its own cap: a 400 there instead of 431.
    config.h11_max_incomplete_event_size = MAX_HEAD
    return config


def raise_file_limit() -> int:
    """Lift this process's open-file limit to its hard limit (a 1,024 soft limit is a few
    hundred phones); the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
