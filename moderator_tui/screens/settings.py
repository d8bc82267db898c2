"""`s`: the event's settings (admin token) — everything `clameur event create/update` sets,
checked by the server as typed and saved in one `PUT` (all or nothing).

The contrast of the colours is the server's own computation (`POST /settings/check`,
`wall/theme.py`): the desk imports nothing of the server but `wall.protocol`, so it asks
instead of keeping a copy of the palette rules. A moderator token gets "admins only".
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

CHECK_DELAY = 0.3  # seconds of quiet typing before the live check


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
    """

    def __init__(self, admin: AdminClient, event: str) -> None:
        super().__init__()
        self.admin, self.event = admin, event
        self.saved: dict[str, Any] = {}
        self.loaded = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(_("Event settings — {event}").format(event=self.event),
                     id="settings-title", markup=False)
        with VerticalScroll(id="settings-form"):
            for field in FIELDS:
                yield from self._row(field)
            yield Static("", id="contrast", markup=False)
            yield Static("", id="e-theme", classes="field-error", markup=False)
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

    def body(self) -> dict[str, Any]:
        return to_body(self.values(), dict(self.saved.get("theme") or {}))

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#settings-message", Static)
        message.update(text)
        message.set_classes(level)

    def show_problems(self, detail: list[dict[str, str]]) -> None:
        """Each server message under its field; the rest on the message line."""
        for error in self.query(".field-error"):
            if isinstance(error, Static):
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
    def _typed(self, _event: Input.Changed | Select.Changed) -> None:
        if not self.loaded:
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
        try:
            event = await self.admin.save_settings(self.body())
        except ApiError as exc:
            if exc.detail:
                self.show_problems(exc.detail)
                self._say(_("Nothing was saved: correct the fields marked in red, then "
                            "save again."), "bad")
            else:
                self._say(exc.message, "bad")
            return
        except Offline:
            self._say(_("The server cannot be reached: nothing was saved."), "bad")
            return
        self._fill(event)
        self.show_problems([])
        self._say(_("Saved: walls and phones use the new settings."), "ok")

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)
