"""`--server https://...`: the desk over TLS, a self-signed certificate only with --insecure.

A real TLS endpoint (a certificate made by `openssl`, a TLS-terminating proxy on 127.0.0.1
in front of the real server), as a reverse proxy would stand in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from moderator_tui.config import DeskConfig
from moderator_tui.session import DeskSession
from tests.conftest import EventFixture
from tests.support.desk import post_as
from tests.support.requires import require_program
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from wall.store import keys
from wall.tasks import cancel_and_wait


@pytest.fixture(scope="module", autouse=True)
def _openssl() -> None:
    """These tests make their certificate with openssl (CI fails without it)."""
    require_program("openssl")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=timeout(30))
    return cert, key


@contextlib.asynccontextmanager
async def tls_proxy(cert: Path, key: Path, backend_port: int) -> AsyncIterator[int]:
    """An HTTPS/WSS endpoint forwarding bytes to the plain server; yields its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tasks: set[asyncio.Task[None]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            back_reader, back_writer = await asyncio.open_connection("127.0.0.1", backend_port)
            await asyncio.gather(pipe(reader, back_writer), pipe(back_reader, writer))
        finally:
            tasks.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await cancel_and_wait(*tasks)


async def test_insecure_accepts_a_self_signed_server(
        certificate: tuple[Path, Path], server: ServerProcess, event: EventFixture,
        redis: Redis) -> None:
    """https + --insecure: the queue arrives over wss and a decision goes through."""
    item = await post_as(server.url, event.slug, "via TLS", "Ana")
    async with tls_proxy(*certificate, server.port) as port:
        session = DeskSession(DeskConfig(f"https://127.0.0.1:{port}", event.token,
                                         event.slug, "en", insecure=True))
        live = asyncio.create_task(session.run())
        try:
            await session.wait_for(lambda: item in session.model.queue, timeout())
            assert await session.decide([item], "approve") == 1
        finally:
            live.cancel()
            await session.close()
    assert await redis.hget(keys.state(event.slug), item) == "approved"


async def test_self_signed_server_is_refused_without_insecure(
        certificate: tuple[Path, Path], server: ServerProcess, event: EventFixture) -> None:
    """Without --insecure the desk stops and says the certificate is not trusted."""
    async with tls_proxy(*certificate, server.port) as port:
        session = DeskSession(DeskConfig(f"https://127.0.0.1:{port}", event.token,
                                         event.slug, "en"))
        try:
            await asyncio.wait_for(session.run(), timeout())
        finally:
            await session.close()
    assert session.model.connection == "untrusted"
    notice = session.model.last_notice
    assert notice is not None and notice.level == "error"
    assert notice.text.startswith("The server's certificate is not trusted (")
