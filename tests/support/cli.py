"""Run the real `clameur` command line as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.servers import ROOT
from tests.support.timing import timeout


def clameur(*args: str, env: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "wall", *args], env=full_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout(60), input=input)


def created_token(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
