"""`clameur moderate --web` in a real Chromium: sign in with a token, approve an item with
the desk's own key, and a wall socket receives it; nothing without a valid token."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import psutil
import pytest
import websockets
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.clients import FeedClient
from tests.support.desk import post_as
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.processes import die_with_parent, stop_process
from wall.redis_server import free_port
from wall.store import keys

pytestmark = pytest.mark.browser


class WebDeskProcess:
    """`clameur moderate --web` as a child process, its output kept for inspection."""

    def __init__(self, server: ServerProcess) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CLAMEUR_TOKEN")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wall", "moderate", "--web", "--server", server.url,
             "--port", str(self.port), "--lang", "en"],
            env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent)

    async def wait_ready(self) -> None:
        async def poll() -> None:
            while True:
                try:
                    async with httpx.AsyncClient() as client:
                        if (await client.get(self.url)).status_code == 200:
                            return
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)

        await asyncio.wait_for(poll(), timeout(20))

    def stop(self) -> str:
        stop_process(self.process)
        return self.process.stdout.read() if self.process.stdout else ""


@pytest.fixture
def web_desk(server: ServerProcess) -> Iterator[WebDeskProcess]:
    desk = WebDeskProcess(server)
    yield desk
    desk.stop()


async def test_web_desk_refuses_the_terminal_without_a_signed_in_session(
        web_desk: WebDeskProcess) -> None:
    """Without a session cookie the page is the sign-in form and the terminal socket is
    refused; a wrong token is refused and gives no session."""
    await web_desk.wait_ready()
    async with httpx.AsyncClient(base_url=web_desk.url) as client:
        page = await client.get("/")
        assert 'name="token"' in page.text and "textual-terminal" not in page.text
        wrong = await client.post("/login", data={"token": "t-nope.not-a-token"})
        assert wrong.status_code == 401 and "clameur_desk" not in wrong.cookies
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"ws://127.0.0.1:{web_desk.port}/ws")
    assert refused.value.response.status_code == 403


async def test_web_desk_approves_in_chromium_and_the_wall_gets_the_item(
        browser: Browser, server: ServerProcess, event: EventFixture, redis: Redis,
        web_desk: WebDeskProcess) -> None:
    """A volunteer signs in with their token (typed, never in a URL), presses `a` in the
    desk shown in the browser, and a wall socket receives the approved item."""
    item = await post_as(server.url, event.slug, "Depuis la tablette", "Camille")
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{event.slug}")
    await wall.next("snapshot")
    await web_desk.wait_ready()
    page, log = await open_page(browser, web_desk.url, csp=False)
    await page.fill("#token", event.token)
    await page.click("button[type=submit]")
    await expect(page.locator(".textual-terminal")).to_be_visible()
    assert event.token not in page.url
    # The desk (a subprocess of the web desk) is up once its moderator socket counts.
    async def desk_online() -> None:
        while not await redis.zcard(keys.moderators(event.slug)):
            await asyncio.sleep(0.1)

    await asyncio.wait_for(desk_online(), timeout(30))
    await page.wait_for_timeout(1500)  # the queue's first paint in the terminal
    await page.locator(".textual-terminal").click()
    await page.keyboard.press("a")
    frame = await wall.next("item", limit=timeout(15))
    assert frame["item"]["id"] == item
    await page.wait_for_timeout(1000)  # the desk repaints: the item moves to "on the wall"
    await screenshot(page, "desk-web-approved")
    await wall.close()
    # The CSP allows no inline script; xterm.js's one inline style is refused, harmlessly.
    refused = [e for e in log.problems() if "Content Security Policy" in e]
    assert all(e.startswith("Applying inline style") for e in refused), refused
    desks = psutil.Process(web_desk.process.pid).children(recursive=True)
    assert desks  # the browser session's desk
    web_desk.process.kill()  # even a web desk killed outright takes its desks along
    output = web_desk.stop()
    assert event.token not in output
    _, alive = psutil.wait_procs(desks, timeout=timeout(10))
    assert not alive, [p.cmdline() for p in alive]
