"""The live side of the desk: the `/ws/moderate` WebSocket, reconnected with backoff.

Every (re)connection starts with a `queue` frame holding the whole pending queue, so a
desk that comes back is resynchronised by the first frame it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from moderator_tui.config import DeskConfig
from wall import protocol

REFUSED_CODES = {4401: "unauthorised", 4403: "forbidden", 4404: "unknown_event"}
MAX_FRAME = 8 * 1024 * 1024

FrameHandler = Callable[[dict[str, Any]], Awaitable[None]]
StateHandler = Callable[[str, str], Awaitable[None]]


def backoff(attempt: int, base: float = 0.25, cap: float = 3.0) -> float:
    """Seconds before retry number `attempt` (0, 1, ...): doubling, capped, with jitter."""
    delay = min(cap, base * (2 ** attempt))
    return delay * random.uniform(0.8, 1.0)


class Refused(Exception):
    """The server closed the socket for good: bad token, other event, unknown event."""

    state = "refused"


class Untrusted(Refused):
    """The server's TLS certificate failed verification (self-signed without --insecure)."""

    state = "untrusted"


class LiveFeed:
    """Keeps one moderator socket open; reports frames and connection states."""

    def __init__(self, config: DeskConfig, on_frame: FrameHandler,
                 on_state: StateHandler) -> None:
        self.config = config
        self.on_frame = on_frame
        self.on_state = on_state
        self._wake = asyncio.Event()
        self.ws: websockets.ClientConnection | None = None

    def retry_now(self) -> None:
        """Cut the current backoff short (the moderator asked, or the network is back)."""
        self._wake.set()

    async def run(self) -> None:
        """Connect, read, and reconnect until cancelled or refused."""
        attempt = 0
        state = "connecting"
        while True:
            await self.on_state(state, "")
            try:
                received = await self._session()
            except Refused as exc:
                await self.on_state(exc.state, str(exc))
                return
            except (OSError, TimeoutError, WebSocketException) as exc:
                received = False
                await self.on_state("reconnecting", _reason(exc))
            else:
                await self.on_state("reconnecting", "")
            attempt = 0 if received else attempt + 1
            state = "reconnecting"
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), backoff(attempt))

    async def _session(self) -> bool:
        """One connection: True once it delivered the queue frame."""
        received = False
        try:
            async with websockets.connect(
                    self.config.ws_url, additional_headers=self.config.headers,
                    ssl=self.config.ssl_context(), open_timeout=5, ping_interval=5,
                    ping_timeout=5, close_timeout=1, max_size=MAX_FRAME) as ws:
                self.ws = ws
                async for text in ws:
                    frame = json.loads(text)
                    if frame.get("type") == protocol.QUEUE:
                        received = True
                        await self.on_state("connected", "")
                    await self.on_frame(frame)
                _check_refused(ws.close_code)
        except ssl.SSLCertVerificationError as exc:
            raise Untrusted(exc.verify_message or str(exc)) from exc
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403, 404):
                raise Refused(f"HTTP {exc.response.status_code}") from exc
            raise
        except ConnectionClosed as exc:
            _check_refused(exc.rcvd.code if exc.rcvd else None)
            raise
        finally:
            self.ws = None
        return received


def _check_refused(code: int | None) -> None:
    if code in REFUSED_CODES:
        raise Refused(REFUSED_CODES[code])


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
