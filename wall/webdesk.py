"""`clameur moderate --web`: the Textual desk served to a browser through textual-serve,
behind a sign-in with a moderator token.

textual-serve runs the desk in a subprocess per browser session and relays the terminal
over a WebSocket. In front of it: a sign-in page where the volunteer types their token
(POST, never in a URL); the token is checked against the Clameur server (the queue route
answers 200 only for a moderator or admin of the event), kept in this process's memory
for the session, and given to that session's desk in its environment — never on a
command line, in a URL or in a log. The browser holds only a random session cookie
(HttpOnly, SameSite=Strict). Without a valid session, the page is the sign-in form and
the terminal socket is refused. Sessions end when the volunteer signs out, after
SESSION_HOURS, when the token is revoked (the desk then closes), or when this process
stops.

An organiser may invite a volunteer instead (`clameur invite create`, the desk's invite
key): the link `/invite/<code>` (a QR code) signs the browser in at once. This process
redeems the one-time code with the Clameur server, which answers a fresh moderator token
(`POST /api/invitations/redeem`): it goes into the session like a typed one, never into a
URL. A second open of the link gets a page saying it was already used.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from wall.i18n import LANGUAGES, gettext
from wall.net import is_loopback
from wall.paths import resource_dir
from wall.processes import WEB_SESSION_ENV
from wall.store.tokens import token_slug

log = logging.getLogger("clameur.webdesk")
COOKIE = "clameur_desk"
SESSION_HOURS = 12
FAILED_LOGINS = 10  # per address and minute, then 429
TEXTUAL_STATIC = Path(textual_serve.__file__).parent / "static"  # textual.js, xterm.css
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


INVITE_PATH = re.compile(r"/invite/[^ ?\"]+")


def _hide_invitation_codes(record: logging.LogRecord) -> bool:
    """Access log lines keep `/invite/…`, never the code (an unused one still opens a desk)."""
    record.msg = INVITE_PATH.sub("/invite/…", record.getMessage())
    record.args = ()
    return True


@dataclass
class Session:
    token: str
    event: str
    lang: str
    expires: float


class DeskProcess(AppService):
    """One browser session's desk: its token in the environment, nowhere else."""

    def __init__(self, command: str, token: str, desk_url: str = "", **kwargs: object) -> None:
        super().__init__(command, **kwargs)  # type: ignore[arg-type]
        self._token = token
        self._desk_url = desk_url

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["CLAMEUR_TOKEN"] = self._token
        environment[WEB_SESSION_ENV] = "1"  # the desk ends with this process, however it ends
        if self._desk_url and not environment.get("CLAMEUR_DESK_URL"):
            # The desk's invitations point where this browser reached the desk.
            environment["CLAMEUR_DESK_URL"] = self._desk_url
        return environment


class WebDesk(Server):
    def __init__(self, server: str, event: str, lang: str, insecure: bool, host: str,
                 port: int) -> None:
        super().__init__("clameur moderate", host=host, port=port, title="Clameur")
        self.server, self.event, self.lang, self.insecure = server, event, lang, insecure
        self.sessions: dict[str, Session] = {}
        self.failures: dict[str, list[float]] = {}
        self.pages = jinja2.Environment(
            loader=jinja2.FileSystemLoader(resource_dir("templates")), autoescape=True)

    def initialize_logging(self) -> None:
        logging.basicConfig(level="INFO", format="%(message)s")
        logging.getLogger("aiohttp.access").addFilter(_hide_invitation_codes)

    async def on_startup(self, app: web.Application) -> None:
        print(f"Clameur web desk on http://{self.host}:{self.port}/ for {self.server} — "
              f"volunteers sign in with their moderator token", flush=True)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers])
        app.add_routes([
            web.get("/", self.handle_index), web.post("/login", self.handle_login),
            web.post("/logout", self.handle_logout), web.get("/ws", self.handle_websocket),
            web.get("/invite/{code}", self.handle_invite),
            web.static("/textual", TEXTUAL_STATIC),
            web.static("/static", resource_dir("static")),
        ])
        app.on_startup.append(self.on_startup)
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler: object) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)  # type: ignore[operator]
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # ---- sessions ----
    def session(self, request: web.Request) -> Session | None:
        sid = request.cookies.get(COOKIE, "")
        found = self.sessions.get(sid)
        if found is not None and found.expires < time.time():
            del self.sessions[sid]
            return None
        return found

    def _lang(self, request: web.Request) -> str:
        chosen = request.query.get("lang", "")
        if chosen in LANGUAGES:
            return chosen
        accept = request.headers.get("Accept-Language", "")[:2].lower()
        return accept if accept in LANGUAGES else self.lang

    def _page(self, name: str, lang: str, status: int = 200, **values: object) -> web.Response:
        body = self.pages.get_template(name).render(
            lang=lang, t=lambda message: gettext(lang, message), **values)
        return web.Response(text=body, status=status, content_type="text/html")

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        lang = self._lang(request)
        session = self.session(request)
        if session is None:
            return self._page("desk_login.html", lang)
        scheme = "wss" if request.secure or request.headers.get(
            "X-Forwarded-Proto", "") == "https" else "ws"
        return self._page("desk_web.html", session.lang, event=session.event,
                          websocket_url=f"{scheme}://{request.host}/ws",
                          font_size=to_int(request.query.get("fontsize", "16"), 16))

    def _foreign(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin", "")
        return bool(origin) and origin.split("://", 1)[-1] != request.host

    async def handle_login(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        if self._foreign(request):
            return web.Response(status=403, text="foreign origin")
        address = request.remote or "?"
        now = time.time()
        recent = [t for t in self.failures.get(address, []) if t > now - 60]
        self.failures[address] = recent
        if len(recent) >= FAILED_LOGINS:
            return self._page("desk_login.html", lang, status=429,
                              error=gettext(lang, "Too many attempts: wait a minute."))
        token = str((await request.post()).get("token", "")).strip()
        event = self.event or token_slug(token) or ""
        if not event or not await self._valid(token, event):
            recent.append(now)
            log.warning("web desk: sign-in refused from %s", address)
            return self._page("desk_login.html", lang, status=401,
                              error=gettext(lang, "This token does not open this desk."))
        log.info("web desk: sign-in for %s from %s", event, address)
        raise self._start_session(request, token, event, lang)

    def _start_session(self, request: web.Request, token: str, event: str,
                       lang: str) -> web.HTTPSeeOther:
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = Session(token, event, lang, time.time() + SESSION_HOURS * 3600)
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, sid, httponly=True, samesite="Strict", path="/",
                            secure=request.secure, max_age=SESSION_HOURS * 3600)
        return response

    async def handle_invite(self, request: web.Request) -> web.Response:
        """An invitation link: redeem its one-time code and open the desk signed in."""
        lang = self._lang(request)
        code = request.match_info["code"]
        event = code.partition(".")[0]
        address = request.remote or "?"
        why = "unknown"
        if not self.event or event == self.event:
            try:
                async with httpx.AsyncClient(base_url=self.server, timeout=10,
                                             verify=not self.insecure) as client:
                    answer = await client.post("/api/invitations/redeem",
                                               json={"code": code, "used_by": address})
                if answer.status_code == 200:
                    log.info("web desk: invitation used for %s from %s", event, address)
                    raise self._start_session(request, answer.json()["token"], event, lang)
                why = str(answer.json().get("error", "unknown"))
            except (httpx.HTTPError, ValueError):
                why = "unreachable"
        log.warning("web desk: invitation refused (%s) from %s", why, address)
        messages = {
            "used": "This invitation was already used. Ask the organiser for a new one.",
            "expired": "This invitation has expired. Ask the organiser for a new one.",
            "revoked": "This invitation was withdrawn by the organiser.",
            "unreachable": "The Clameur server does not answer. Try again in a moment.",
        }
        message = messages.get(why, "This invitation does not open this desk.")
        return self._page("desk_invite.html", lang, status=503 if why == "unreachable"
                          else 410, error=gettext(lang, message))

    async def _valid(self, token: str, event: str) -> bool:
        """The Clameur server accepts `token` as a moderator (or admin) of `event`."""
        try:
            async with httpx.AsyncClient(base_url=self.server, timeout=10,
                                         verify=not self.insecure) as client:
                answer = await client.get(f"/api/events/{event}/queue",
                                          headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    async def handle_logout(self, request: web.Request) -> web.Response:
        if not self._foreign(request):
            self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        response = web.HTTPSeeOther("/")
        response.del_cookie(COOKIE, path="/")
        raise response

    # ---- the terminal ----
    def desk_command(self, session: Session) -> str:
        args = [sys.executable, "-m", "wall", "moderate", "--server", self.server,
                "--event", session.event, "--lang", session.lang]
        if self.insecure:
            args.append("--insecure")
        # exec: the desk replaces textual-serve's shell, so that its parent is this process.
        return "exec " + shlex.join(args)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        session = self.session(request)
        if session is None or self._foreign(request):
            raise web.HTTPForbidden(text="sign in first")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        desk = DeskProcess(self.desk_command(session), session.token, _reached(request),
                           write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                           close=websocket.close, download_manager=self.download_manager)
        try:
            await desk.start(width, height)
            await self._process_messages(websocket, desk)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            await desk.stop()
        return websocket


def _reached(request: web.Request) -> str:
    """The address this browser reached the desk at, unless it is this computer's own
    (a tablet could not open that: invitations then use the room address)."""
    host = request.host.rsplit(":", 1)[0].strip("[]") if request.host else ""
    if not host or host == "localhost" or is_loopback(host):
        return ""
    return f"{request.scheme}://{request.host}"


def serve(server: str, event: str, lang: str, insecure: bool, host: str, port: int) -> int:
    os.environ.pop("CLAMEUR_TOKEN", None)  # each session's desk gets its own token
    WebDesk(server, event, lang, insecure, host, port).serve()
    return 0
