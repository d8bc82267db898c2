"""Settings, read from the environment (and an optional `clameur.toml`), with their help text.

`docs/configuration.md` lists the same settings; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def setting(env: str, default: str, help: str) -> str:
    """A dataclass field read from environment variable `env`, with its help text."""
    return field(default=default, metadata={"env": env, "help": help})  # type: ignore[no-any-return]


def load_section(cls: type[T], section: str, config_file: str | None = None) -> T:
    """`cls` filled from the environment first, then the `[section]` table of `clameur.toml`
    (or CLAMEUR_CONFIG, or `config_file`), then its defaults."""
    path = Path(config_file or os.environ.get("CLAMEUR_CONFIG", "clameur.toml"))
    table = tomllib.loads(path.read_text()).get(section, {}) if path.is_file() else {}
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        env = f.metadata["env"]
        if env in os.environ:
            values[f.name] = os.environ[env]
        elif f.name in table:
            values[f.name] = str(table[f.name])
    return cls(**values)


def documented_fields(cls: type) -> list[tuple[str, str, str]]:
    """(environment variable, default, help) of every setting of `cls`."""
    return [(f.metadata["env"], str(f.default), f.metadata["help"]) for f in fields(cls)]


@dataclass
class Settings:
    redis_url: str = setting("REDIS_URL", "", "Redis to use; unset: an embedded redis-server "
                              "is started with its data in the data directory.")
    redis_cluster: str = setting("CLAMEUR_REDIS_CLUSTER", "", "Set to 1 when REDIS_URL "
                                  "points at a Redis Cluster node.")
    data_dir: str = setting("CLAMEUR_DATA_DIR", "./var", "Where the embedded Redis keeps its "
                             "append-only file.")
    host: str = setting("CLAMEUR_HOST", "127.0.0.1", "Address `clameur serve` listens on "
                         "(`clameur up` too when set; unset, up listens on 0.0.0.0).")
    port: str = setting("PORT", "8000", "Port `clameur serve` listens on.")
    workers: str = setting("CLAMEUR_WORKERS", "1", "Server processes `clameur serve` runs "
                            "on its one port (`--workers`): a number, or `auto` for one per "
                            "core (docs/operations.md).")
    public_url: str = setting("CLAMEUR_PUBLIC_URL", "", "The public base URL (https://...) "
                               "used in QR codes and for webhook signatures.")
    secret: str = setting("CLAMEUR_SECRET", "", "Key for signed cookies and phone-number "
                           "hashes, the same for every process; unset: generated once into "
                           "CLAMEUR_SECRET_FILE (never kept in Redis).")
    secret_file: str = setting("CLAMEUR_SECRET_FILE", "", "Where the key is kept (0600) when "
                                "CLAMEUR_SECRET is unset; unset: beside the data directory "
                                "(`./var` → `./var.secret`), outside what its backup copies.")
    trusted_proxies: str = setting("CLAMEUR_TRUSTED_PROXIES", "127.0.0.1", "Comma-separated "
                                    "proxy addresses whose X-Forwarded-* headers are trusted.")
    frame_ancestors: str = setting("CLAMEUR_FRAME_ANCESTORS", "'self'", "CSP frame-ancestors: "
                                    "who may embed the wall (e.g. an overlay's origin).")
    inbox_retention_days: str = setting("CLAMEUR_INBOX_RETENTION_DAYS", "30", "How long "
                                         "`clameur erase SLUG --expired` keeps raw inbox "
                                         "entries and the text of rejected items.")
    rate_limits: str = setting("CLAMEUR_RATE_LIMITS", "", "Rate limits over the defaults, "
                                "`name=count/seconds,...` (names in docs/security.md), or "
                                "`off` (benchmarks only).")
    allowed_origins: str = setting("CLAMEUR_ALLOWED_ORIGINS", "", "Comma-separated foreign "
                                    "origins allowed to open WebSockets and post (an overlay).")
    ws_queue: str = setting("CLAMEUR_WS_QUEUE", "1000", "Frames a WebSocket may have waiting "
                             "before it is dropped as too slow.")
    token_recheck_seconds: str = setting("CLAMEUR_TOKEN_RECHECK_SECONDS", "2", "How often an "
                                          "open moderator socket re-checks its token.")
    access_log: str = setting("CLAMEUR_ACCESS_LOG", "", "Set to 1 to log every request "
                               "(uvicorn's access log); off by default: the proxy in front "
                               "logs requests, and the log costs ~7 % of a post's CPU.")
    lang: str = setting("CLAMEUR_LANG", "", "Default language (fr or en) of the command line "
                         "and the moderator UI; unset: from the locale.")
    read_timeout_seconds: str = setting("CLAMEUR_READ_TIMEOUT_SECONDS", "10", "Seconds a "
                                         "client has to send a request's headers, and "
                                         "again its body, before it is answered 408 and "
                                         "disconnected.")
    max_connections_per_address: str = setting(
        "CLAMEUR_MAX_CONNECTIONS_PER_ADDRESS", "1500", "Requests in progress plus open "
        "WebSockets one address may hold on one server process (a room behind one NAT "
        "is one address); past it: 503, or a WebSocket closed with 4429.")
    metrics_token: str = setting("CLAMEUR_METRICS_TOKEN", "", "Bearer token `/metrics` "
                                  "requires; unset: `/metrics` answers 404.")
    sms_french_replies: str = setting("CLAMEUR_SMS_FRENCH_REPLIES", "keyword", "Replies to "
                                       "French mobile numbers: `keyword` (only the help "
                                       "text, to AIDE/HELP/CHARTE) or `all` (a number "
                                       "allowed to send automated SMS in France).")
    media_private_hosts: str = setting("CLAMEUR_MEDIA_PRIVATE_HOSTS", "", "Addresses or "
                                        "networks (comma-separated) the server may fetch "
                                        "source images from although they are not public "
                                        "(an intranet media server); unset: public only.")
    accessibility_entity: str = setting("CLAMEUR_ACCESSIBILITY_ENTITY", "", "Who publishes "
                                         "this deployment, named in its accessibility "
                                         "statement (/accessibilite).")
    accessibility_contact: str = setting("CLAMEUR_ACCESSIBILITY_CONTACT", "", "Where people "
                                          "report an accessibility problem: an e-mail "
                                          "address or an https:// page, shown in the "
                                          "accessibility statement.")

    @classmethod
    def load(cls, config_file: str | None = None) -> Settings:
        """Environment first, then `[clameur]` in `clameur.toml`, then defaults."""
        return load_section(cls, "clameur", config_file)

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        """(environment variable, default, help) of every setting."""
        return documented_fields(Settings)
