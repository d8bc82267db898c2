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


class ApiError(Exception):
    """The server refused the request (4xx other than 409)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


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
        self.http = httpx.AsyncClient(headers=config.headers, timeout=REQUEST_TIMEOUT,
                                      verify=not config.insecure)

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> Any:
        try:
            res = await self.http.request(method, f"{self.config.api}{path}", json=json)
        except httpx.TransportError as exc:
            raise Offline(str(exc) or type(exc).__name__) from exc
        if res.status_code in (502, 503, 504):
            raise Offline(f"server answered {res.status_code}")
        body = _json(res)
        if res.status_code == 409:
            raise Conflict(body.get("message", ""), body.get("state", ""),
                           body.get("decided_by", ""))
        if res.status_code >= 400:
            raise ApiError(res.status_code, body.get("error", ""),
                           body.get("message", res.reason_phrase))
        return body

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
