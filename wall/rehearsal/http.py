"""One aiohttp session per simulated client: its own cookie jar (the device cookie), its own
source address, the headers a phone's browser sends to its own site."""

from __future__ import annotations

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=20, sock_connect=10)
USER_AGENT = "Mozilla/5.0 (Linux; Android 14) clameur-rehearsal"


def session(base: str, address: str | None, lang: str = "fr",
            headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    """A browser-like session on `base`, connecting from `address` (None: the default)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0) if address else None, limit=4,
                                     enable_cleanup_closed=True)
    return aiohttp.ClientSession(
        connector=connector, timeout=TIMEOUT,
        # unsafe=True: keep cookies set by an IP host (127.0.0.1), as a browser does.
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        headers={"User-Agent": USER_AGENT, "Accept-Language": f"{lang},en;q=0.5",
                 **(headers or {})})


def same_site(base: str) -> dict[str, str]:
    """What a page of the site sends with its own posts (the server refuses cross-site)."""
    return {"Origin": base, "Sec-Fetch-Site": "same-origin"}


def answer_error(status: int, body: object) -> str:
    """A refusal's name: the JSON `error` code when there is one, else the status."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f"{status} {body['error']}"
    return str(status)
