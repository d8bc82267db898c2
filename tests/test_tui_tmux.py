"""The real `clameur moderate` process in a real terminal (tmux): keys in, wall frames out."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import EventFixture
from tests.support.clients import FeedClient
from tests.support.desk import post_as
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout

pytestmark = [pytest.mark.tmux,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]


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

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=timeout(10))


@pytest.fixture
def tmux() -> Iterator[Tmux]:
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
