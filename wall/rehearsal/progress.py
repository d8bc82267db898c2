"""The live view of a run in a terminal: rich progress bars (time, phones) and counters."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from wall.i18n import gettext
from wall.rehearsal.tally import Tally


class LiveView:
    """Shown only on a terminal; a no-op otherwise (logs and tests get the report only)."""

    def __init__(self, phones: int, duration: float, lang: str, enabled: bool) -> None:
        self.lang, self.enabled = lang, enabled
        self.bars = Progress(TextColumn("{task.description:<22}"), BarColumn(),
                             TextColumn("{task.completed:>6.0f}/{task.total:.0f}"),
                             TimeRemainingColumn())
        self.time = self.bars.add_task(gettext(lang, "time (s)"), total=duration)
        self.phones = self.bars.add_task(gettext(lang, "phones connected"), total=phones)
        self.line = Text()
        self.live = Live(Group(self.bars, self.line), console=Console(stderr=True),
                         refresh_per_second=4, transient=False) if enabled else None

    def __enter__(self) -> LiveView:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.live is not None:
            self.live.__exit__(kind, exc, tb)

    def update(self, tally: Tally, elapsed: float) -> None:
        if self.live is None:
            return
        t = lambda m: gettext(self.lang, m)  # noqa: E731
        self.bars.update(self.time, completed=elapsed)
        self.bars.update(self.phones, completed=tally.phones_open)
        sent, accepted, refused = tally.posts_summary()
        self.line.plain = (f"{t('posts')} {sent} ({t('accepted')} {accepted}, "
                           f"{t('refused (by reason)')} {refused})  ·  "
                           f"{t('taps')} {tally.taps}  ·  "
                           f"SMS {tally.sms_sent}  ·  {t('on the wall')} "
                           f"{len(tally.on_wall_at)}  ·  {t('server errors')} "
                           f"{sum(tally.server_errors.values())}")
