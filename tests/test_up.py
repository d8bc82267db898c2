"""`clameur up`: Redis, web server and connectors together; demo event and token on first
start; it serves the room (every interface, the room address in the QR code and URLs);
everything stopped on exit; the next run finds the same data."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.async_api import Browser

from tests.support.browser import browser_fixture, open_page  # noqa: F401
from tests.support.qrcodes import decode_image
from tests.support.servers import ROOT
from tests.support.timing import timeout
from wall.commands.up import banner_lines, compose_banner, listen_host, public_base
from wall.config import Settings
from wall.net import (
    ROUTE_TABLE,
    default_route_interfaces,
    interface_address,
    is_loopback,
    probe_address,
    room_address,
)
from wall.qr import qr_terminal
from wall.redis_server import free_port


def start_up(data_dir: Path, port: int, *args: str, env: dict[str, str] | None = None,
             ) -> tuple[subprocess.Popen[str], list[str]]:
    """`clameur up --no-tui` until it has printed its URLs and token."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("REDIS_URL", "CLAMEUR_HOST", "CLAMEUR_PUBLIC_URL")}
    environ.update({"PYTHONPATH": str(ROOT), "CLAMEUR_LANG": "en", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "wall", "--data-dir", str(data_dir), "up",
                             "--no-tui", "--demo", "--port", str(port), *args],
                            env=environ, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(("Listening on", "No network found")):
            return proc, lines
    raise AssertionError("clameur up exited:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=timeout(20))


def room_base(port: int) -> str:
    """What phones should be shown: the room address, loopback only without a network."""
    return f"http://{room_address() or '127.0.0.1'}:{port}"


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CLAMEUR_HOST", raising=False)


def test_up_serves_the_demo_and_stops_everything(tmp_path: Path) -> None:
    """First start shows the room's wall/audience URLs and a new token; exit leaves no
    process behind; a second start reuses the same event, token and data."""
    port = free_port()
    proc, lines = start_up(tmp_path / "var", port)
    base = room_base(port)
    try:
        text = "".join(lines)
        assert f"{base}/wall/demo" in text and f"{base}/e/demo" in text
        assert "Moderator token (new):" in text
        token = lines[lines.index("Moderator token (new):\n") + 1].strip()
        family = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert "redis-server" in names and "serve" in names and "ingest" in names
        page = httpx.get(f"http://127.0.0.1:{port}/wall/demo")
        assert page.status_code == 200 and "démo" in page.text
        posted = httpx.post(f"http://127.0.0.1:{port}/api/events/demo/posts",
                            json={"text": "bonjour"})
        assert posted.status_code == 202
    finally:
        stop(proc)
    gone = psutil.wait_procs(family, timeout=timeout(10))[1]
    assert gone == [], f"left running: {gone}"

    proc, lines = start_up(tmp_path / "var", port)
    try:
        assert "(new)" not in "".join(lines) and token in "".join(lines)
        queue = httpx.get(f"http://127.0.0.1:{port}/api/events/demo/queue",
                          headers={"Authorization": f"Bearer {token}"})
        assert [i["text"] for i in queue.json()["items"]] == ["bonjour"]
    finally:
        stop(proc)


async def test_the_wall_of_clameur_up_shows_the_room_address_in_its_qr_code(
        tmp_path: Path, browser: Browser) -> None:
    """A real `clameur up`: it listens on the room address (a phone's request there is
    answered), the wall opened on the projector at 127.0.0.1 shows the room URL, and its QR
    code, read back by zbarimg from Chromium's pixels, is that URL — never loopback when the
    machine has a network."""
    port = free_port()
    proc, lines = start_up(tmp_path / "var", port)
    join = f"{room_base(port)}/e/demo"
    try:
        assert "Listening on every interface. Local only: clameur up --host 127.0.0.1\n" \
            in lines
        if room_address() is not None:
            assert not is_loopback(join.split("//")[1].split(":")[0])
        phone = httpx.get(join, timeout=timeout())
        assert phone.status_code == 200 and "démo" in phone.text
        page, log = await open_page(browser, f"http://127.0.0.1:{port}/wall/demo")
        assert (await page.inner_text(".short-url")).strip() == join.split("://")[1]
        image = tmp_path / "qr.png"
        await page.locator("img.qr").screenshot(path=str(image))
        assert decode_image(image) == [join]
        assert log.problems() == []
    finally:
        stop(proc)


def test_host_127_keeps_it_on_this_computer_and_says_so(tmp_path: Path) -> None:
    """--host 127.0.0.1: loopback URLs, one line saying only this computer can open them,
    and nothing answers on the room address."""
    port = free_port()
    proc, lines = start_up(tmp_path / "var", port, "--host", "127.0.0.1")
    try:
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/e/demo" in text
        assert "Listening on 127.0.0.1: only this computer can open these pages." in text
        room = room_address()
        if room is not None:
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://{room}:{port}/healthz", timeout=timeout())
    finally:
        stop(proc)


def test_default_route_is_read_from_the_route_table_lowest_metric_first() -> None:
    """Default routes only (0.0.0.0/0, up), the lowest metric first; others are ignored."""
    table = (
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
        "eth0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
        "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "tun0\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0\n"
        "wlan0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n")
    assert default_route_interfaces(table) == ["wlan0", "eth0"]
    assert default_route_interfaces("") == []


def test_room_address_on_this_machine_is_the_default_route_address() -> None:
    """On the real interfaces: the address of the default route's interface, the same the
    kernel picks to reach beyond (UDP probe, nothing sent); never loopback; none when the
    machine has nothing but loopback."""
    addresses = {a.address for entries in psutil.net_if_addrs().values() for a in entries
                 if a.family == socket.AF_INET and not is_loopback(a.address)}
    chosen = room_address()
    if not addresses:
        assert chosen is None
        return
    assert chosen in addresses and not is_loopback(chosen)
    routes = default_route_interfaces(ROUTE_TABLE.read_text()) if ROUTE_TABLE.exists() else []
    if routes:
        assert chosen == interface_address(routes[0])
        assert probe_address() == chosen


def test_address_shown_follows_host_and_public_url() -> None:
    """Every interface: the room address; a given host: that host (IPv6 in brackets);
    CLAMEUR_PUBLIC_URL: always that."""
    assert public_base(Settings(), "0.0.0.0", 8000) == \
        f"http://{room_address() or '127.0.0.1'}:8000"
    assert public_base(Settings(), "127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_base(Settings(), "fd00::5", 8000) == "http://[fd00::5]:8000"
    configured = Settings(public_url="https://debat.example.org/")
    assert public_base(configured, "0.0.0.0", 8000) == "https://debat.example.org"


def test_up_listens_on_every_interface_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default 0.0.0.0; CLAMEUR_HOST (even 127.0.0.1) or --host win."""
    def host(flag: str | None) -> str:
        return listen_host(argparse.Namespace(host=flag), Settings.load("/nonexistent"))

    assert host(None) == "0.0.0.0"
    assert host("127.0.0.1") == "127.0.0.1"
    monkeypatch.setenv("CLAMEUR_HOST", "127.0.0.1")
    assert host(None) == "127.0.0.1"
    assert host("192.0.2.7") == "192.0.2.7"


def test_terminal_banner_puts_the_text_beside_the_qr_code_at_80_columns() -> None:
    """At 80 columns the URLs stand beside the QR code (17 lines in all); too narrow, under
    it; a URL is never cut."""
    url = "http://192.0.2.2:8000/e/demo"
    qr = qr_terminal(url, colour=False)
    lines = ["Clameur is up.", "", "Phones join here (the QR code):", f"  {url}",
             "Listening on every interface. Local only: clameur up --host 127.0.0.1"]
    beside = compose_banner(lines, qr, len(qr[0]), 80).split("\n")
    assert len(beside) == len(qr) == 17
    assert all(len(line) <= 80 for line in beside)
    assert beside[4].endswith(f"  {url}") and beside[4].startswith(qr[4])
    under = compose_banner(lines, qr, len(qr[0]), 60, caption=f"  {url}").splitlines()
    assert under[-len(qr) - 1:] == [*qr, f"  {url}"] and under[0] == "Clameur is up."


def test_a_long_address_puts_the_qr_code_last_whole_on_an_80x24_screen() -> None:
    """A venue address and a long event name leave no room beside the code at 80 columns:
    the text comes first and the code last with the join URL under it, so the last 22 lines
    (what an 80×24 terminal shows above the prompt) hold the whole code."""
    join = "http://192.0.2.2:8931/e/conseil-de-quartier-belleville"
    qr = qr_terminal(join, colour=False)
    lines = banner_lines("fr", "http://192.0.2.2:8931", "0.0.0.0", "x" * 43, True,
                         Path("/var/lib/clameur/token"), "conseil-de-quartier-belleville")
    shown = compose_banner(lines, qr, len(qr[0]), 80, caption=f"  {join}").splitlines()[-22:]
    assert shown[-len(qr) - 1:] == [*qr, f"  {join}"]
    assert all(len(line) <= 80 for line in shown)
