"""Where the desk connects and how: server URL, token, event, language, TLS checking, and
what it owns in laptop mode (`clameur up`)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit


@dataclass(frozen=True)
class DeskConfig:
    """`--server URL --token T --event SLUG [--lang] [--insecure]`.

    `audience_url`: the page phones open, as the room sees it (default: on `server`);
    `stops_wall`: quitting this desk stops the wall for everyone (`clameur up`);
    `spool_dir`: where decisions not delivered at quit wait for the next start ("": nowhere).
    """

    server: str
    token: str
    event: str
    lang: str = "fr"
    insecure: bool = False
    audience_url: str = ""
    stops_wall: bool = False
    spool_dir: str = ""

    @property
    def base_url(self) -> str:
        return self.server.rstrip("/")

    @property
    def join_url(self) -> str:
        """The audience page's address, as shown in the header."""
        return self.audience_url or f"{self.base_url}/e/{quote(self.event, safe='')}"

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/events/{quote(self.event, safe='')}"

    @property
    def ws_url(self) -> str:
        """`/ws/moderate/<slug>` on the same host, ws:// or wss:// after the server's scheme."""
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = f"{parts.path.rstrip('/')}/ws/moderate/{quote(self.event, safe='')}"
        return urlunsplit((scheme, parts.netloc, path, "", ""))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def ssl_context(self) -> ssl.SSLContext | None:
        """None for ws://; a context that skips certificate checks with `--insecure`."""
        if not self.base_url.startswith("https://"):
            return None
        context = ssl.create_default_context()
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context
