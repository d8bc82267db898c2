"""A TCP proxy in front of Redis that loses answers on demand (tests of ambiguous failures:
a command applied by Redis whose answer never came back)."""

from __future__ import annotations

import asyncio
import contextlib


class ReplyCutter:
    """A TCP proxy in front of Redis that, while `cutting`, lets requests through and then
    hangs up instead of returning the answer: an ambiguous failure (applied, answer lost).
    With `max_cuts`, it cuts that many answers, then lets them through."""

    def __init__(self, upstream_port: int, max_cuts: int | None = None) -> None:
        self.upstream_port = upstream_port
        self.max_cuts = max_cuts
        self.cutting = False
        self.cuts = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, back: bool) -> None:
            while data := await src.read(65536):
                if back and self.cutting and (self.max_cuts is None
                                              or self.cuts < self.max_cuts):
                    self.cuts += 1
                    break
                dst.write(data)
                await dst.drain()
            writer.close()
            up_writer.close()

        with contextlib.suppress(OSError):
            await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))

    async def close(self) -> None:
        if self.server:
            self.server.close()
