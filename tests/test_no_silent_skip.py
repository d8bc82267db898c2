"""No silent skip: with `CI` set, a missing Chromium or tmux fails the run; without it, the
tests are skipped and the skip says what is missing and how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT
from tests.support.timing import timeout

TARGETS = [
    "tests/test_up.py::test_the_wall_of_clameur_up_shows_the_room_address_in_its_qr_code",
    "tests/test_tui_tmux.py::"
    "test_clameur_up_in_tmux_shows_the_room_qr_then_asks_before_stopping_the_wall",
]


def _pytest(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no:cacheprovider",
                           *TARGETS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout(120))


def test_missing_chromium_and_tmux_fail_under_ci_and_skip_with_the_reason_elsewhere(
        tmp_path: Path) -> None:
    """No Chromium at CLAMEUR_CHROMIUM and no tmux on PATH: CI=true → both error, exit 1;
    CI unset → both skipped with "needs ...: apt-get install ...", exit 0."""
    missing = {**{k: v for k, v in os.environ.items() if k != "CI"},
               "CLAMEUR_CHROMIUM": str(tmp_path / "no-chromium"), "PATH": str(tmp_path)}
    in_ci = _pytest({**missing, "CI": "true"})
    assert in_ci.returncode == 1, in_ci.stdout
    assert "2 errors" in in_ci.stdout and "CI is set" in in_ci.stdout
    assert "needs tmux: apt-get install tmux" in in_ci.stdout

    elsewhere = _pytest(missing)
    assert elsewhere.returncode == 0, elsewhere.stdout
    assert "2 skipped" in elsewhere.stdout
    assert f"needs Chromium at {tmp_path / 'no-chromium'}: apt-get install chromium" \
        in elsewhere.stdout
