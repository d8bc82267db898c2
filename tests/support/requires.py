"""Tests that need a program of the machine (Chromium, tmux, openssl, zbarimg).

On a developer's machine a missing one skips those tests and says why; under CI (`CI` set,
as `.ci/run` and CI services do) it fails them: a green run must never hide that the
browser or terminal tests did not run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FALSE = ("", "0", "false", "no", "off")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in FALSE


def require(present: bool, what: str, install: str) -> None:
    """Skip (with the reason) or, under CI, fail when `what` is missing."""
    if present:
        return
    reason = f"needs {what}: {install}"
    if in_ci():
        pytest.fail(f"{reason} (CI is set: a missing tool fails the run instead of skipping)",
                    pytrace=False)
    pytest.skip(reason)


def require_program(name: str, package: str | None = None) -> str:
    """The path of program `name` on PATH (see `require`)."""
    path = shutil.which(name)
    require(path is not None, name, f"apt-get install {package or name} (.ci/run does)")
    assert path is not None
    return path


def require_file(path: str, what: str, package: str) -> None:
    """An executable at a fixed path, such as Debian's Chromium (see `require`)."""
    require(Path(path).exists(), f"{what} at {path}",
            f"apt-get install {package} (.ci/run does)")
