"""Decisions the desk could not deliver, kept on disk from one run of the desk to the next.

While decisions wait in the outbox they are mirrored in one file of the data directory
(mode 0600, replaced atomically, so quitting, a closed terminal or a crash loses none); the
next desk for the same server, event and token loads them and sends them first. A resend the
server had already applied comes back as a 409 naming us, which the outbox counts as done:
nothing is applied twice. The file is removed as soon as the outbox is empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, fields
from pathlib import Path

from moderator_tui.config import DeskConfig
from moderator_tui.ops import Op

VERSION = 1


class Spool:
    """One file per (server, event, token): a desk never sends another token's decisions."""

    def __init__(self, folder: Path, config: DeskConfig) -> None:
        who = f"{config.base_url}|{config.event}|{config.token}".encode()
        key = hashlib.sha256(who).hexdigest()[:12]
        self.path = folder / f"desk-outbox-{config.event}-{key}.json"
        self.config = config
        self._written: list[Op] = []

    def load(self) -> list[Op]:
        """The operations left by the last run (none when there is no readable file)."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return []
        known = {f.name for f in fields(Op)}
        ops = [Op(**{k: v for k, v in entry.items() if k in known})
               for entry in data.get("ops", []) if isinstance(entry, dict)]
        self._written = list(ops)  # a copy: the outbox consumes the list it is given
        return ops

    def save(self, ops: list[Op]) -> None:
        """Mirror `ops` (no file at all when empty); a no-op when nothing changed."""
        if ops == self._written:
            return
        if not ops:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"version": VERSION, "server": self.config.base_url,
                               "event": self.config.event, "ops": [asdict(op) for op in ops]},
                              ensure_ascii=False, indent=1)
            temporary = self.path.with_suffix(".tmp")
            # Created 0600 (not chmod-ed after): the file names items and moderators' choices.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # a leftover temporary file keeps its mode through O_CREAT
            with os.fdopen(fd, "w") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        self._written = list(ops)
