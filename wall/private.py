"""Files only their owner may read, private from their creation, never chmod-ed afterwards.

The data directory (the AOF holds every text), the key file, the embedded Redis's password
file and the laptop's admin token are created with these: a file written 0644 and then
chmod-ed is readable in between, and a directory created 0755 lets anyone list it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

PRIVATE_UMASK = 0o077


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Within: every file and directory this process creates is its owner's only."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


# What Clameur and its Redis keep in a data directory: tightened when found open.
_OURS = ("appendonly", "dump.rdb", "redis.", "temp-", "moderator.token", "server.log",
         "ingest.log")


def private_dir(path: Path) -> Path:
    """`path` created 0700 if missing (parents too). One left open by an earlier version
    (0755, its AOF and logs 0644) is made 0700 and its Clameur files 0600 — only ours: a
    data directory pointed at a shared place (sticky, like /tmp) is left as it is."""
    with private_umask():
        path.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode
    if mode & 0o077 and not mode & 0o1000 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    for child in path.iterdir():
        if child.is_symlink() or not child.name.startswith(_OURS):
            continue
        inside = [child, *child.rglob("*")] if child.is_dir() else [child]
        for entry in inside:
            if not entry.is_symlink() and entry.stat().st_mode & 0o077:
                entry.chmod(0o700 if entry.is_dir() else 0o600)
    return path


def write_private(path: Path, text: str, replace: bool = True) -> bool:
    """Write `text` to `path`, 0600 from the start and atomically (readers see the old
    content or the new, never a part). `replace=False`: only if `path` does not exist yet
    (False when another process created it first: read theirs)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temp, path)
            return True
        try:
            os.link(temp, path)  # fails if it exists: the first writer wins
        except FileExistsError:
            return False
        return True
    finally:
        temp.unlink(missing_ok=True)
