"""The desk's HTTP client: queue, decisions, authors, rules, mode, event status — with a
bearer token.

Errors become three exceptions a screen can word for a person: `Offline` (the server could
not be reached or answered 503: the decision may be retried), `Conflict` (409: someone
decided first) and `ApiError` (anything else the server refused).
"""

from __future__ import annotations

from typing import Any

import httpx

from moderator_tui.config import DeskConfig

REQUEST_TIMEOUT = 5.0
POSTER_TIMEOUT = 60.0  # the server starts Chromium to print a poster
UPLOAD_TIMEOUT = 30.0  # a 512 KB logo over a venue's slow Wi-Fi


class ApiError(Exception):
    """The server refused the request (4xx other than 409)."""

    def __init__(self, status: int, code: str, message: str,
                 detail: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.detail = detail or []  # a 422's problems, one per field


class Conflict(ApiError):
    """409: the item is already in a state where this action does not apply."""

    def __init__(self, message: str, state: str, decided_by: str) -> None:
        super().__init__(409, "conflict", message)
        self.state, self.decided_by = state, decided_by


class Offline(Exception):
    """The server could not be reached, timed out, or its store is down (503)."""


class DeskClient:
    """One `httpx.AsyncClient` for the desk's lifetime."""

    def __init__(self, config: DeskConfig) -> None:
        self.config = config
        # Accept-Language: the server words its refusals (a 422's fields) in the desk's
        # language.
        self.http = httpx.AsyncClient(headers={**config.headers,
                                               "Accept-Language": config.lang},
                                      timeout=REQUEST_TIMEOUT, verify=not config.insecure)

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None, raw: bool = False,
                    content: bytes | None = None, timeout: float = REQUEST_TIMEOUT) -> Any:
        """The body of the answer (the response itself when `raw`); `content` is sent as it
        is, as application/octet-stream."""
        headers = {"Content-Type": "application/octet-stream"} if content is not None else None
        try:
            res = await self.http.request(method, f"{self.config.api}{path}", json=json,
                                          params=params, content=content, headers=headers,
                                          timeout=timeout)
        except httpx.TransportError as exc:
            raise Offline(str(exc) or type(exc).__name__) from exc
        if res.status_code in (502, 503, 504):
            raise Offline(f"server answered {res.status_code}")
        body = {} if raw and res.status_code < 400 else _json(res)
        if res.status_code == 409:
            raise Conflict(body.get("message", ""), body.get("state", ""),
                           body.get("decided_by", ""))
        if res.status_code >= 400:
            detail = body.get("detail")
            raise ApiError(res.status_code, body.get("error", ""),
                           body.get("message", res.reason_phrase),
                           detail if isinstance(detail, list) else None)
        return res if raw else body

    async def queue(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/queue"))["items"])

    async def desk(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/desk"))

    async def rules(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/rules"))["items"])

    async def author(self, item_id: str) -> dict[str, Any]:
        return dict(await self._call("GET", f"/items/{item_id}/author"))

    async def decide(self, item_id: str, action: str, expected: str = "") -> dict[str, Any]:
        payload = {"action": action, **({"expected": expected} if expected else {})}
        return dict(await self._call("POST", f"/items/{item_id}/decisions", payload))

    async def flag_author(self, item_id: str, flag: str, on: bool) -> dict[str, Any]:
        return dict(await self._call("POST", f"/items/{item_id}/author",
                                     {"flag": flag, "on": on}))

    async def set_mode(self, mode: str) -> dict[str, Any]:
        return dict(await self._call("PUT", "/mode", {"mode": mode}))

    async def set_status(self, status: str) -> dict[str, Any]:
        return dict(await self._call("POST", "/status", {"status": status}))


def _json(res: httpx.Response) -> dict[str, Any]:
    try:
        data = res.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class AdminClient:
    """The organiser's calls (admin token): settings, the logo file, invitations, the room's
    poster."""

    def __init__(self, client: DeskClient) -> None:
        self.client = client

    async def settings(self) -> dict[str, Any]:
        return dict((await self.client._call("GET", "/settings"))["settings"])

    async def check_settings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Problems and the theme's lowest contrast, nothing saved (the live checks)."""
        return dict(await self.client._call("POST", "/settings/check", body))

    async def save_settings(self, body: dict[str, Any]) -> dict[str, Any]:
        """All or nothing: `ApiError` with `detail` (one entry per field) on a 422."""
        return dict((await self.client._call("PUT", "/settings", body))["event"])

    async def invitations(self) -> list[dict[str, Any]]:
        return list((await self.client._call("GET", "/invitations"))["invitations"])

    async def invite(self, expires: str, label: str = "", desk: str = "") -> dict[str, Any]:
        """A new invitation: its one-time `link` and `qr` (lines of text), shown once."""
        body = {"expires": expires, "label": label, **({"desk": desk} if desk else {})}
        return dict(await self.client._call("POST", "/invitations", body))

    async def revoke(self, invitation_id: str) -> dict[str, Any]:
        return dict((await self.client._call("DELETE", f"/invitations/{invitation_id}"))
                    ["invitation"])

    async def poster(self, size: str) -> tuple[bytes, str]:
        """The room's poster: (body, "pdf"), or (body, "html") when the server has no
        Chromium to print it."""
        res = await self.client._call("GET", "/poster", params={"size": size}, raw=True,
                                      timeout=POSTER_TIMEOUT)
        kind = "pdf" if res.headers.get("content-type", "").startswith("application/pdf") \
            else "html"
        return res.content, kind

    async def upload_logo(self, body: bytes) -> dict[str, Any]:
        """The event's logo file, sent as it is (the server reads its type from its bytes)
        → `{"logo": theme URL, "type", "size", "hash"}`; `ApiError` with the server's reason
        (too big, SVG, not an image) in the desk's language."""
        return dict(await self.client._call("PUT", "/logo", content=body,
                                            timeout=UPLOAD_TIMEOUT))

    async def delete_logo(self) -> dict[str, Any]:
        """No logo any more: the file and the theme's `logo`."""
        return dict(await self.client._call("DELETE", "/logo"))
