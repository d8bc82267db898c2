"""`s`: the event's settings (admin token) — everything `clameur event create/update` sets,
checked by the server as typed and saved in one `PUT` (all or nothing).

The contrast of the colours is the server's own computation (`POST /settings/check`,
`wall/theme.py`): the desk imports nothing of the server but `wall.protocol`, so it asks
instead of keeping a copy of the palette rules. A moderator token gets "admins only".

The logo file: a path on the computer that runs the desk, read and checked here
(`moderator_tui/logofile.py`) and sent when saving — after the server has checked the other
fields (`POST /settings/check`) and before the `PUT`, which then carries the logo's new URL
in the theme, so a refused field leaves no new logo behind. "Remove the logo" takes effect
on saving too: the `PUT` without the theme's logo, then `DELETE /logo`.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Input, Select, Static

from moderator_tui.client import AdminClient, ApiError, Offline
from moderator_tui.eventform import FIELDS, Field, field_of, to_body, to_form
from moderator_tui.i18n import _
from moderator_tui.logofile import LogoFileError, read_logo_file

CHECK_DELAY = 0.3  # seconds of quiet typing before the live check
NOTHING_SAVED = "Nothing was saved: correct the fields marked in red, then save again."


class SettingsScreen(Screen[None]):
    """A scrolling form; Ctrl+S or the button saves, Esc closes."""

    BINDINGS = [Binding("escape", "close", "close"), Binding("ctrl+s", "save", "save")]
    DEFAULT_CSS = """
    SettingsScreen { layout: vertical; }
    #settings-title { background: $panel; text-style: bold; padding: 0 1; height: 1; }
    #settings-form { height: 1fr; padding: 0 1; }
    .field-row { height: auto; margin-bottom: 1; }
    .field-label { width: 32; padding-right: 1; text-style: bold; }
    .field-box { width: 1fr; height: auto; }
    .field-hint { color: $text-muted; }
    .field-error { color: $text-error; display: none; }
    #contrast { padding-left: 33; }
    #contrast.bad, #settings-message.bad { color: $text-error; text-style: bold; }
    #contrast.ok, #settings-message.ok { color: $text-success; }
    #e-theme { padding-left: 33; }
    #settings-message { height: auto; padding: 0 1; background: $panel; }
    #settings-bar { height: 1; dock: bottom; }
    #settings-bar Button { height: 1; min-width: 10; border: none; margin-right: 1; }
    #settings-keys { color: $text-muted; padding-left: 1; }
    #logo-remove { height: 1; min-width: 10; border: none; width: auto; }
    """

    def __init__(self, admin: AdminClient, event: str) -> None:
        super().__init__()
        self.admin, self.event = admin, event
        self.saved: dict[str, Any] = {}
        self.loaded = False
        self._timer: Timer | None = None
        self.remove_logo = False  # "Remove the logo" pressed: done when saving
        self._logo_refused: str | None = None  # the path whose file was refused

    def compose(self) -> ComposeResult:
        yield Static(_("Event settings — {event}").format(event=self.event),
                     id="settings-title", markup=False)
        with VerticalScroll(id="settings-form"):
            for field in FIELDS:
                yield from self._row(field)
            yield Static("", id="contrast", markup=False)
            yield Static("", id="e-theme", classes="field-error", markup=False)
            yield from self._logo_row()
        yield Static(_("Loading the settings…"), id="settings-message", markup=False)
        with Horizontal(id="settings-bar"):
            yield Button(_("Save"), id="settings-save", variant="primary")
            yield Button(_("Close"), id="settings-close")
            yield Static(_("Ctrl+S: save · Esc: close · Tab: next field"),
                         id="settings-keys")

    def _row(self, field: Field) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Static(_(field.label), classes="field-label")
            with Vertical(classes="field-box"):
                if field.kind == "choice":
                    yield Select([(_(label), value) for value, label in field.choices],
                                 allow_blank=False, compact=True, id=f"f-{field.dom_id}")
                else:
                    yield Input(compact=True, id=f"f-{field.dom_id}")
                if field.hint:
                    yield Static(_(field.hint), classes="field-hint", markup=False)
                yield Static("", id=f"e-{field.dom_id}", classes="field-error",
                             markup=False)

    def _logo_row(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Static(_("Logo file"), classes="field-label")
            with Vertical(classes="field-box"):
                yield Input(compact=True, id="f-logo-file")
                yield Static(_("PNG, JPEG or WebP, at most 512 KB, on the computer running "
                               "the desk; sent when you save (empty: no change)"),
                             classes="field-hint", markup=False)
                yield Static("", id="logo-now", markup=False)
                yield Button(_("Remove the logo"), id="logo-remove")
                yield Static("", id="e-logo-file", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#settings-form").display = False
        self.query_one("#settings-save").display = False
        self.load()

    # -- reading and writing the form -------------------------------------------------------
    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for field in FIELDS:
            widget = self.query_one(f"#f-{field.dom_id}")
            if isinstance(widget, Select):
                out[field.name] = str(widget.value)
            elif isinstance(widget, Input):
                out[field.name] = widget.value
        return out

    def _fill(self, settings: dict[str, Any]) -> None:
        self.saved = settings
        for name, text in to_form(settings).items():
            widget = self.query_one(f"#f-{name.replace('.', '-').replace('_', '-')}")
            if isinstance(widget, (Select, Input)):
                widget.value = text
        self.show_logo()

    def show_logo(self) -> None:
        """What the wall shows now, and what saving will change."""
        logo = str((self.saved.get("theme") or {}).get("logo") or "")
        button = self.query_one("#logo-remove", Button)
        button.display = bool(logo)
        if self.remove_logo:
            text = _("The logo will be removed when you save.")
            button.label = _("Keep the logo")
        elif not logo:
            text = _("Now: no logo.")
        elif logo.startswith(f"/e/{self.event}/logo"):
            text = _("Now: the logo file sent earlier is shown in the wall's header.")
        else:
            text = _("Now: the wall's header shows {path}.").format(path=logo)
        if not self.remove_logo:
            button.label = _("Remove the logo")
        self.query_one("#logo-now", Static).update(text)

    def _logo_problem(self, message: str, path: str = "") -> None:
        """Why the file at `path` was not sent ("": no problem); kept until the path
        changes."""
        self._logo_refused = path if message else None
        error = self.query_one("#e-logo-file", Static)
        error.update(message)
        error.display = bool(message)
        if message:
            error.scroll_visible()

    def body(self) -> dict[str, Any]:
        return to_body(self.values(), dict(self.saved.get("theme") or {}))

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#settings-message", Static)
        message.update(text)
        message.set_classes(level)

    def show_problems(self, detail: list[dict[str, str]]) -> None:
        """Each server message under its field; the rest on the message line."""
        for error in self.query(".field-error"):
            if isinstance(error, Static) and error.id != "e-logo-file":  # not the server's
                error.update("")
                error.display = False
        rest = []
        for problem in detail:
            name = field_of(problem.get("field", ""))
            if name:
                error = self.query_one(f"#e-{name.replace('.', '-').replace('_', '-')}",
                                       Static)
                error.update(problem.get("message", ""))
                error.display = True
            else:
                rest.append(problem.get("message", ""))
        if rest:
            self._say(" ".join(rest), "bad")

    def show_contrast(self, ratio: float | None, needs: float) -> None:
        line = self.query_one("#contrast", Static)
        if ratio is None:
            line.update(_("Contrast: write every colour as #rrggbb to see it."))
            line.set_classes("")
        elif ratio < needs:
            line.update(_("Contrast {ratio}:1 — below {needs}:1, some text of the wall and "
                          "the phones would be hard to read.").format(ratio=f"{ratio:.2f}",
                                                                      needs=needs))
            line.set_classes("bad")
        else:
            line.update(_("Contrast {ratio}:1 — readable (at least {needs}:1).").format(
                ratio=f"{ratio:.2f}", needs=needs))
            line.set_classes("ok")

    # -- network -----------------------------------------------------------------------------
    @work(exclusive=True, group="settings-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            settings = await self.admin.settings()
        except ApiError as exc:
            self._say(_("Event settings are for admins only: this desk signed in with a "
                        "moderator token.") if exc.status == 403 else exc.message, "bad")
            return
        except Offline:
            self._say(_("The server cannot be reached: settings not loaded."), "bad")
            return
        self._fill(settings)
        self.loaded = True
        self.query_one("#settings-form").display = True
        self.query_one("#settings-save").display = True
        self._say(_("Saved settings loaded. Nothing changes until you save."))
        self.query_one("#f-title", Input).focus()
        self.check()

    @on(Input.Changed)
    @on(Select.Changed)
    def _typed(self, event: Input.Changed | Select.Changed) -> None:
        if not self.loaded:
            return
        if event.control.id == "f-logo-file":  # read when saving; not a setting to check
            if str(event.value).strip() != self._logo_refused:
                self._logo_problem("")
            if event.value and self.remove_logo:
                self.remove_logo = False
                self.show_logo()
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(CHECK_DELAY, self.check)

    @work(exclusive=True, group="settings-check", exit_on_error=False)
    async def check(self) -> None:
        """What the server would say of the form now (nothing saved)."""
        try:
            found = await self.admin.check_settings(self.body())
        except (ApiError, Offline):
            return  # the live check is a help; saving says what is wrong
        self.show_problems(list(found.get("detail") or []))
        self.show_contrast(found.get("contrast"), float(found.get("needs", 4.5)))

    def action_save(self) -> None:
        if self.loaded:
            self.save()

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def save(self) -> None:
        self._say(_("Saving…"))
        body = self.body()
        path = self.query_one("#f-logo-file", Input).value.strip()
        sent_logo = False
        if path:
            try:
                logo = read_logo_file(path)
            except LogoFileError as exc:
                self._logo_problem(_(exc.msgid).format(**exc.values), path)
                self._say(_(NOTHING_SAVED), "bad")
                return
            if not await self._others_pass(body):
                return
            try:
                sent = await self.admin.upload_logo(logo)
            except ApiError as exc:
                self._logo_problem(exc.message, path)
                self._say(_(NOTHING_SAVED), "bad")
                return
            except Offline:
                self._say(_("The server cannot be reached: nothing was saved."), "bad")
                return
            body["theme"]["logo"] = sent["logo"]
            sent_logo = True
        elif self.remove_logo:
            body["theme"].pop("logo", None)
        try:
            event = await self.admin.save_settings(body)
        except ApiError as exc:
            if exc.detail:
                self.show_problems(exc.detail)
            self._say(_("The logo was saved, the other settings were not: correct the "
                        "fields marked in red, then save again.") if sent_logo and exc.detail
                      else _(NOTHING_SAVED) if exc.detail else exc.message, "bad")
            return
        except Offline:
            self._say(_("The server cannot be reached: nothing was saved."), "bad")
            return
        gone = await self._delete_logo() if self.remove_logo and not path else True
        self.remove_logo = False
        self.query_one("#f-logo-file", Input).value = ""
        self._fill(event)
        self.show_problems([])
        if gone:
            self._say(_("Saved: walls and phones use the new settings."), "ok")
        else:
            self._say(_("Saved, and the wall no longer shows the logo; its file could not be "
                        "deleted from the server: remove it again later."), "bad")

    async def _others_pass(self, body: dict[str, Any]) -> bool:
        """The server's checks of the other fields, before the logo is sent: a refused
        field must not leave a new logo behind."""
        try:
            found = await self.admin.check_settings(body)
        except ApiError as exc:
            self._say(exc.message, "bad")
            return False
        except Offline:
            self._say(_("The server cannot be reached: nothing was saved."), "bad")
            return False
        detail = list(found.get("detail") or [])
        if detail:
            self.show_problems(detail)
            self._say(_(NOTHING_SAVED), "bad")
        return not detail

    async def _delete_logo(self) -> bool:
        try:
            await self.admin.delete_logo()
        except (ApiError, Offline):
            return False
        return True

    @on(Button.Pressed, "#logo-remove")
    def _remove_pressed(self) -> None:
        self.remove_logo = not self.remove_logo
        if self.remove_logo:
            self.query_one("#f-logo-file", Input).value = ""
        self.show_logo()

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)
