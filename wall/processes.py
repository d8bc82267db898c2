"""Child processes that never outlive their parent, and one way to stop them."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from typing import Any

# Set by the browser desk (wall/webdesk.py) for the desk it starts per session, which then
# dies with it (wall/commands/moderate.py).
WEB_SESSION_ENV = "CLAMEUR_WEB_SESSION"


def die_with_parent() -> None:
    """In the child (as `preexec_fn`): get SIGTERM when the parent dies, so nothing
    Clameur starts (redis-server, server, connectors) is ever orphaned."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_process(proc: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM,
                 timeout: float = 10) -> None:
    """Send `sig` (SIGTERM: a graceful stop) and wait; SIGKILL past `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
