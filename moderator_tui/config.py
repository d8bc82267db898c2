"""Where the desk connects and how: server URL, token, event, language, TLS checking."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit


@dataclass(frozen=True)
class DeskConfig:
    """`--server URL --token T --event SLUG [--lang] [--insecure]`."""

    server: str
    token: str
    event: str
    lang: str = "fr"
    insecure: bool = False

    @property
    def base_url(self) -> str:
        return self.server.rstrip("/")

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
