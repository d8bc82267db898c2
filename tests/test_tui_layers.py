"""The desk's layers stay apart: the client knows no Textual, and of the server package the
desk loads only the frames module (`wall.protocol`, with the `wall` package it lives in)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.servers import ROOT

CLIENT_MODULES = ["moderator_tui.client", "moderator_tui.live", "moderator_tui.session",
                  "moderator_tui.outbox", "moderator_tui.jobs",
                  "moderator_tui.model", "moderator_tui.ops", "moderator_tui.config"]
SCREEN_MODULES = ["moderator_tui.app", "moderator_tui.main", "moderator_tui.screens.desk",
                  "moderator_tui.screens.help", "moderator_tui.screens.confirm"]


def _imported_after(modules: list[str]) -> list[str]:
    """Every module loaded by a fresh interpreter importing `modules`."""
    code = (f"import importlib, json, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return list(json.loads(out.stdout))


def _top(names: list[str], *packages: str) -> list[str]:
    return [n for n in names if n.split(".")[0] in packages]


SHARED = ["wall", "wall.protocol"]


def test_client_layer_imports_no_textual_and_no_server_code() -> None:
    """The HTTP/WebSocket client, session and model import no Textual, no Redis, and of
    the server only the frames module."""
    loaded = _imported_after(CLIENT_MODULES)
    assert "moderator_tui.session" in loaded
    assert _top(loaded, "wall") == SHARED
    assert _top(loaded, "textual", "redis", "starlette", "uvicorn") == []


def test_screen_layer_imports_no_server_code() -> None:
    """The Textual app and its entry point import of the server only the frames module."""
    loaded = _imported_after(SCREEN_MODULES)
    assert "textual.app" in loaded
    assert _top(loaded, "wall") == SHARED
    assert _top(loaded, "redis", "starlette", "uvicorn") == []
