"""`clameur up`: Redis, web server and connectors together; demo event and token on first
start; everything stopped on exit; the next run finds the same data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.servers import ROOT
from tests.support.timing import timeout
from wall.redis_server import free_port


def start_up(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "wall", "--data-dir", str(data_dir), "up",
                             "--no-tui", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "(kept in" in line:
            return proc, lines
    raise AssertionError("clameur up exited:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=timeout(20))


def test_up_serves_the_demo_and_stops_everything(tmp_path: Path) -> None:
    """First start shows wall/audience URLs and a new token; exit leaves no process behind;
    a second start reuses the same event, token and data."""
    port = free_port()
    proc, lines = start_up(tmp_path / "var", port)
    try:
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/wall/demo" in text
        assert f"http://127.0.0.1:{port}/e/demo" in text and "(new)" in text
        token = next(line.split(": ", 1)[1].strip() for line in lines if "token" in line)
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


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)


def test_listening_on_every_interface_shows_the_room_address() -> None:
    """With --host 0.0.0.0 the printed URLs and QR codes use an address phones can reach."""
    from wall.commands.up import public_base, room_address
    from wall.config import Settings

    assert public_base(Settings(), "0.0.0.0", 8000) == f"http://{room_address()}:8000"
    assert public_base(Settings(), "127.0.0.1", 8000) == "http://127.0.0.1:8000"
    configured = Settings(public_url="https://debat.example.org/")
    assert public_base(configured, "0.0.0.0", 8000) == "https://debat.example.org"
