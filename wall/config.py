"""Settings, read from the environment (and an optional `clameur.toml`), with their help text.

`docs/configuration.md` lists the same settings; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


def _setting(env: str, default: str, help: str) -> str:
    return field(default=default, metadata={"env": env, "help": help})  # type: ignore[no-any-return]


@dataclass
class Settings:
    redis_url: str = _setting("REDIS_URL", "", "Redis to use; unset: an embedded redis-server "
                              "is started with its data in the data directory.")
    redis_cluster: str = _setting("CLAMEUR_REDIS_CLUSTER", "", "Set to 1 when REDIS_URL "
                                  "points at a Redis Cluster node.")
    data_dir: str = _setting("CLAMEUR_DATA_DIR", "./var", "Where the embedded Redis keeps its "
                             "append-only file.")
    host: str = _setting("CLAMEUR_HOST", "127.0.0.1", "Address `clameur serve` listens on.")
    port: str = _setting("PORT", "8000", "Port `clameur serve` listens on.")
    public_url: str = _setting("CLAMEUR_PUBLIC_URL", "", "The public base URL (https://...) "
                               "used in QR codes and for webhook signatures.")
    secret: str = _setting("CLAMEUR_SECRET", "", "Key for signed cookies and phone-number "
                           "hashes; unset: generated once and kept in Redis.")
    trusted_proxies: str = _setting("CLAMEUR_TRUSTED_PROXIES", "127.0.0.1", "Comma-separated "
                                    "proxy addresses whose X-Forwarded-* headers are trusted.")
    frame_ancestors: str = _setting("CLAMEUR_FRAME_ANCESTORS", "'self'", "CSP frame-ancestors: "
                                    "who may embed the wall (e.g. an overlay's origin).")
    inbox_retention_days: str = _setting("CLAMEUR_INBOX_RETENTION_DAYS", "30", "How long "
                                         "`clameur erase SLUG --expired` keeps raw inbox "
                                         "entries and the text of rejected items.")
    rate_limits: str = _setting("CLAMEUR_RATE_LIMITS", "", "Rate limits over the defaults, "
                                "`name=count/seconds,...` (names in docs/security.md), or "
                                "`off` (benchmarks only).")
    allowed_origins: str = _setting("CLAMEUR_ALLOWED_ORIGINS", "", "Comma-separated foreign "
                                    "origins allowed to open WebSockets and post (an overlay).")
    ws_queue: str = _setting("CLAMEUR_WS_QUEUE", "1000", "Frames a WebSocket may have waiting "
                             "before it is dropped as too slow.")
    token_recheck_seconds: str = _setting("CLAMEUR_TOKEN_RECHECK_SECONDS", "2", "How often an "
                                          "open moderator socket re-checks its token.")
    lang: str = _setting("CLAMEUR_LANG", "", "Default language (fr or en) of the command line "
                         "and the moderator UI; unset: from the locale.")

    @classmethod
    def load(cls, config_file: str | None = None) -> Settings:
        """Environment first, then `clameur.toml` (or CLAMEUR_CONFIG), then defaults."""
        path = Path(config_file or os.environ.get("CLAMEUR_CONFIG", "clameur.toml"))
        from_file: dict[str, object] = {}
        if path.is_file():
            from_file = tomllib.loads(path.read_text()).get("clameur", {})
        values = {}
        for f in fields(cls):
            env = f.metadata["env"]
            if env in os.environ:
                values[f.name] = os.environ[env]
            elif f.name in from_file:
                values[f.name] = str(from_file[f.name])
        return cls(**values)

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        """(environment variable, default, help) of every setting."""
        return [(f.metadata["env"], str(f.default), f.metadata["help"]) for f in fields(Settings)]
