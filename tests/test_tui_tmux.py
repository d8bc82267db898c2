"""The real `clameur moderate` and `clameur up` in a real terminal (tmux): keys in, wall
frames out; `clameur up` shows the room's QR code, then asks before stopping the wall."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import EventFixture
from tests.support.clients import FeedClient
from tests.support.desk import post_as
from tests.support.qrcodes import decode_image, terminal_qr_image
from tests.support.requires import require_program
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.net import room_address
from wall.redis_server import free_port

pytestmark = pytest.mark.tmux


class Tmux:
    """One tmux server on its own socket, killed at the end."""

    def __init__(self) -> None:
        self.socket = f"clameur-test-{secrets.token_hex(4)}"

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                             text=True, check=True, timeout=timeout(10))
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "desk")

    async def wait_for(self, text: str) -> str:
        """The screen once it shows `text` (a terminal has no event to await: poll)."""
        deadline = time.monotonic() + timeout(20)
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            await asyncio.sleep(0.1)
        raise AssertionError(f"{text!r} never showed:\n{self.screen()}")

    def alive(self) -> bool:
        """True while the desk's session runs (the tmux server ends with its last one)."""
        out = subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "desk"],
                             capture_output=True, timeout=timeout(10))
        return out.returncode == 0

    async def wait_until_gone(self, text: str) -> str:
        """The screen once `text` has left it."""
        deadline = time.monotonic() + timeout(20)
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            await asyncio.sleep(0.1)
        raise AssertionError(f"{text!r} never went away:\n{self.screen()}")

    async def wait_closed(self) -> None:
        deadline = time.monotonic() + timeout(20)
        while self.alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not self.alive(), f"still running:\n{self.screen()}"

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=timeout(10))


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """A private tmux server (skipped without tmux, failed under CI)."""
    require_program("tmux")
    session = Tmux()
    yield session
    session.kill()


async def test_clameur_moderate_in_tmux_approves_an_item_onto_the_wall(
        tmux: Tmux, server: ServerProcess, event: EventFixture) -> None:
    """`clameur moderate` in tmux: the queue shows, `a` approves, a wall socket receives it."""
    item = await post_as(server.url, event.slug, "Depuis le terminal jusqu'au mur", "Camille")
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    # COLUMNS/LINES from the test runner would override the terminal size tmux gives.
    command = (f"cd {ROOT} && exec env -u COLUMNS -u LINES {sys.executable} -m wall moderate "
               f"--server {server.url} --token {event.token} --event {event.slug} --lang en")
    tmux.run("new-session", "-d", "-s", "desk", "-x", "120", "-y", "36", command)
    await tmux.wait_for("Depuis le terminal jusqu'au mur")
    screen = await tmux.wait_for(f"Test {event.slug}")
    assert "● connected" in screen and "Depuis le terminal jusqu'au mur" in screen
    assert "WEB · Camille" in screen and "Queue (1)" in screen

    tmux.run("send-keys", "-t", "desk", "a")
    frame = await wall.next("item")
    assert frame["item"]["id"] == item
    screen = await tmux.wait_for("On the wall now (1)")
    assert "No pending items." in screen

    tmux.run("send-keys", "-t", "desk", "q")
    deadline = time.monotonic() + timeout(10)
    while tmux.alive() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not tmux.alive(), "q did not quit the desk"
    await wall.close()


async def test_clameur_up_in_tmux_shows_the_room_qr_then_asks_before_stopping_the_wall(
        tmux: Tmux, tmp_path: Path) -> None:
    """`clameur up` at 80×24: a QR code of the room's audience URL (read back by zbarimg)
    before the desk; the desk's header shows that URL and every key; `q` asks and says what
    stops; `n` keeps everything serving; `q` `y` stops the wall, Redis and all children."""
    port = free_port()
    join = f"http://{room_address() or '127.0.0.1'}:{port}/e/demo"
    command = (f"cd {ROOT} && exec env -u COLUMNS -u LINES -u REDIS_URL -u CLAMEUR_HOST "
               f"-u CLAMEUR_PUBLIC_URL {sys.executable} -m wall --data-dir {tmp_path / 'var'} "
               f"up --demo --port {port} --lang en")
    tmux.run("new-session", "-d", "-s", "desk", "-x", "80", "-y", "24", command)
    screen = await tmux.wait_for("Press Enter to open the moderation desk")
    assert f"  {join}" in screen
    assert decode_image(terminal_qr_image(screen, tmp_path / "terminal-qr.pgm")) == [join]
    pid = int(tmux.run("display-message", "-p", "-t", "desk", "#{pane_pid}").strip())
    family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    assert len(family) >= 4  # clameur up, redis-server, serve, ingest

    tmux.run("send-keys", "-t", "desk", "Enter")
    screen = await tmux.wait_for("● connected")
    assert f"audience page: {join}" in screen
    for key in ("a approve", "/ filter", "m mode", "e open/close", "q quit"):
        assert key in screen, f"{key!r} not on the 80×24 screen:\n{screen}"

    tmux.run("send-keys", "-t", "desk", "q")
    screen = await tmux.wait_for("Quit and stop the wall for everyone?")
    assert "projected wall" in screen and "SMS" in screen
    tmux.run("send-keys", "-t", "desk", "n")
    await tmux.wait_until_gone("Quit and stop the wall for everyone?")
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=timeout()).status_code == 200
    assert all(p.is_running() for p in family)

    tmux.run("send-keys", "-t", "desk", "q")
    await tmux.wait_for("Quit and stop the wall for everyone?")
    tmux.run("send-keys", "-t", "desk", "y")
    await tmux.wait_closed()
    left = psutil.wait_procs(family, timeout=timeout(10))[1]
    assert left == [], f"left running: {left}"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=timeout())
