"""The process's key (device cookies, author hashes): CLAMEUR_SECRET, or a 0600 file kept
beside the data directory — never in Redis, so a copy of the data is no copy of the key.

Every process of one wall must hold the same key. Processes on one machine share the file
(`clameur up`'s children, several `serve`, the CLI); processes on several machines need
`CLAMEUR_SECRET` (or the same file copied). Redis keeps a fingerprint of the key
(wall/store/secret.py), and a process whose key differs refuses to start, saying so.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from wall.config import Settings
from wall.private import write_private
from wall.store.client import Client, StoreError
from wall.store.erasure import RewriteFailed, rewrite_aof
from wall.store.secret import fingerprint, forget_legacy, legacy_secret, recorded_fingerprint

log = logging.getLogger("clameur.secret")
SUFFIX = ".secret"


class SecretError(RuntimeError):
    """No usable key, or not the key the other processes of this Redis hold."""


def secret_path(settings: Settings) -> Path:
    """CLAMEUR_SECRET_FILE, else beside the data directory: `./var` → `./var.secret`
    (outside it, so the documented backup of the data directory leaves it out)."""
    if settings.secret_file:
        return Path(settings.secret_file).resolve()
    data = Path(settings.data_dir).resolve()
    return data.with_name(data.name + SUFFIX)


def read_secret(path: Path) -> str:
    """The key in `path`; a file others may read is made private first (and said)."""
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by others: now 0600", path)
        path.chmod(0o600)
    secret = path.read_text().strip()
    if not secret:
        raise SecretError(f"{path} is empty: delete it to generate a key, or set CLAMEUR_SECRET")
    return secret


async def process_secret(redis: Client, settings: Settings, create: bool = True) -> str:
    """This process's key, checked against the fingerprint the others recorded.

    Order: CLAMEUR_SECRET; the key file; else (when `create`) the key an earlier version
    left in Redis, adopted into the file; else a new one, written once into the file (of
    two processes starting together, the first to write wins and the other reads it).
    """
    if settings.secret:
        secret, origin = settings.secret, "CLAMEUR_SECRET"
    else:
        path = secret_path(settings)
        origin = str(path)
        if not path.is_file():
            if not create:
                raise SecretError(f"no key: set CLAMEUR_SECRET, or run where the servers "
                                  f"keep {path.name} (--data-dir, CLAMEUR_SECRET_FILE)")
            adopted = await legacy_secret(redis)
            path.parent.mkdir(parents=True, exist_ok=True)
            if write_private(path, (adopted or secrets.token_hex(32)) + "\n", replace=False):
                log.warning("%s key written to %s (0600): keep it out of backups of the "
                            "data, and give it to every process of this wall",
                            "adopted the earlier version's" if adopted else "a new", path)
        secret = read_secret(path)
    recorded = await recorded_fingerprint(redis, secret)
    if recorded != fingerprint(secret):
        raise SecretError(
            f"the key of this process ({origin}, fingerprint {fingerprint(secret)[:12]}) is "
            f"not the key the other processes of this Redis use (fingerprint "
            f"{recorded[:12]}): give every process the same CLAMEUR_SECRET or key file; if "
            f"the key was changed on purpose, run `clameur secret --rotate` (docs/security.md)")
    await _forget_legacy(redis)
    return secret


async def _forget_legacy(redis: Client) -> None:
    """Delete the key an earlier version kept in Redis, and rewrite the AOF without it."""
    if not await forget_legacy(redis):
        return
    try:
        await rewrite_aof(redis)
        log.warning("the key earlier versions kept in Redis (clameur:secret) is deleted and "
                    "the append-only file rewritten; older backups of the data still hold it")
    except (RewriteFailed, *StoreError) as exc:
        log.warning("the key earlier versions kept in Redis (clameur:secret) is deleted, but "
                    "the append-only file could not be rewritten (%s): run BGREWRITEAOF", exc)
