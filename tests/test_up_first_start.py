"""`clameur up` on first start asks the first event's title and languages in the terminal
(Enter keeps the defaults, a stdin that is not a terminal takes them), remembers that event,
and `--demo` still serves the demo asking nothing."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.servers import ROOT
from tests.support.timing import timeout
from tests.test_up import start_up
from wall.commands.up import slug_for
from wall.processes import stop_process
from wall.redis_server import free_port


@pytest.fixture(autouse=True)
def _no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CLAMEUR_HOST", raising=False)


def _read_until(fd: int, marker: str, seen: list[str]) -> str:
    """Terminal output until `marker` shows (bounded by the test timeout)."""
    import select
    import time

    deadline = time.monotonic() + timeout(60)
    while marker not in "".join(seen):
        assert time.monotonic() < deadline, "".join(seen)
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            seen.append(os.read(fd, 4096).decode(errors="replace"))
    return "".join(seen)


def test_first_start_asks_title_and_languages_in_the_terminal(tmp_path: Path) -> None:
    """In a terminal, the typed title and languages make the first event: its wall speaks
    English first, its slug comes from the title, and the banner shows its URLs."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CLAMEUR_HOST",
                                                            "CLAMEUR_PUBLIC_URL")}
    env.update({"PYTHONPATH": str(ROOT), "CLAMEUR_LANG": "en", "TERM": "xterm"})
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "wall", "--data-dir", str(tmp_path / "var"),
                             "up", "--no-tui", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen: list[str] = []
    try:
        _read_until(master, "Title of the event [Débat public]", seen)
        os.write(master, "Conseil de quartier — Belleville\n".encode())
        _read_until(master, "Languages", seen)
        os.write(master, b"de\n")
        _read_until(master, "Please answer fr, en", seen)
        os.write(master, b"en, fr\n")
        text = _read_until(master, "Listening on", seen)
        assert "/e/conseil-de-quartier-belleville" in text
        event = httpx.get(f"http://127.0.0.1:{port}/wall/conseil-de-quartier-belleville")
        assert event.status_code == 200 and 'lang="en"' in event.text
        assert "Conseil de quartier — Belleville" in event.text
    finally:
        stop_process(proc)
        os.close(master)
    assert (tmp_path / "var" / "event").read_text().strip() == "conseil-de-quartier-belleville"


def test_without_a_terminal_the_defaults_are_taken_and_remembered(tmp_path: Path) -> None:
    """stdin not a terminal: no question, the default event; the next start serves the same
    event and token; `--demo` serves the demo."""
    env = {"CLAMEUR_LANG": "en"}
    port = free_port()
    # start_up passes --demo; without it here (its own command line):
    proc = subprocess.Popen([sys.executable, "-m", "wall", "--data-dir", str(tmp_path / "var"),
                             "up", "--no-tui", "--host", "127.0.0.1", "--port", str(port)],
                            env={**{k: v for k, v in os.environ.items()
                                    if k not in ("REDIS_URL", "CLAMEUR_HOST",
                                                 "CLAMEUR_PUBLIC_URL")},
                                 "PYTHONPATH": str(ROOT), **env},
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        text = ""
        for line in proc.stdout:
            text += line
            if line.startswith("Listening on"):
                break
        assert "Title of the event" not in text
        assert f"/e/{slug_for('Débat public')}" in text and "/e/debat-public" in text
        page = httpx.get(f"http://127.0.0.1:{port}/wall/debat-public")
        assert page.status_code == 200 and "Débat public" in page.text
    finally:
        stop_process(proc)
    demo, lines = start_up(tmp_path / "var", free_port())
    try:
        assert any("/e/demo" in line for line in lines)
    finally:
        stop_process(demo)


def test_slug_from_a_title() -> None:
    """Accents and punctuation go, words join with dashes, at most 40 characters."""
    assert slug_for("Conseil de quartier — Belleville") == "conseil-de-quartier-belleville"
    assert slug_for("Été 2026 : budget participatif !") == "ete-2026-budget-participatif"
    assert slug_for("—") == "event"
    assert len(slug_for("a" * 100)) == 40
