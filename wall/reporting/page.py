"""Render the report page: served (stylesheet from /static, strict CSP) or as one
self-contained file (CSS inlined) for `clameur report --output`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from wall.i18n import translations
from wall.paths import resource_dir
from wall.reporting import charts
from wall.reporting.stats import Report
from wall.timezones import zone

STYLESHEET = "report.css"


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(resource_dir("templates")),
                       autoescape=select_autoescape(["html", "xml"]))


class Formats:
    """Numbers, times and durations the way the reader's language writes them."""

    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang, self.tz = lang, tz
        self._ = translations(lang).gettext

    def number(self, n: float) -> str:
        return format_decimal(n, locale=self.lang)

    def clock(self, seconds: float) -> str:
        return datetime.fromtimestamp(seconds, self.tz).strftime("%H:%M")

    def day(self, seconds: float) -> str:
        return datetime.fromtimestamp(seconds, self.tz).strftime("%Y-%m-%d")

    def iso(self, iso: str) -> str:
        if not iso:
            return ""
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(self.tz)
        return moment.strftime("%H:%M")

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        s = round(seconds)
        if s < 60:
            return self._("{n} s").format(n=s)
        if s < 3600:
            return self._("{m} min {s} s").format(m=s // 60, s=f"{s % 60:02d}")
        return self._("{h} h {m} min").format(h=s // 3600, m=f"{s % 3600 // 60:02d}")


def chart_svgs(report: Report, fmt: Formats) -> dict[str, Markup]:
    """The three charts, as SVG markup built from escaped values."""
    _ = fmt._
    legend = (_("all messages"), _("shown on the wall"))
    sources = [(s.source, s.received, s.approved) for s in report.sources]
    peak_minutes = [p.minute for p in report.peaks]
    index = {m: i for i, (m, _n) in enumerate(report.minutes)}
    return {
        "sources": Markup(charts.bars(sources, _("Posts per source"), legend)),
        "buckets": Markup(charts.columns(
            [(b.received, b.approved) for b in report.buckets],
            [fmt.clock(b.start) for b in report.buckets], _("Posts per 5 minutes"), legend)),
        "timeline": Markup(charts.timeline(
            [n for _m, n in report.minutes], [fmt.clock(m * 60) for m, _n in report.minutes],
            [index[m] for m in peak_minutes if m in index], _("Reactions per minute"))),
    }


def render_report(report: Report, lang: str, tz_name: str | None = None,
                  standalone: bool = False, query: dict[str, str] | None = None) -> str:
    """The report as HTML; `standalone` inlines the CSS so the file stands alone. Times are
    in `tz_name` when it names a zone (`?tz=`, `--tz`), else in the event's own zone."""
    tz = zone(tz_name, report.event.timezone)
    fmt = Formats(lang, tz)
    trans = translations(lang)
    context: dict[str, Any] = {
        "r": report, "event": report.event, "lang": lang, "tz": str(tz.key), "f": fmt,
        "_": trans.gettext, "charts": chart_svgs(report, fmt), "standalone": standalone,
        "generated_at": datetime.now(UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "total_reactions": sum(report.totals.values()),
        "query": query or {},
        "other_lang": "en" if lang == "fr" else "fr",
    }
    if standalone:
        context["css"] = Markup((resource_dir("static") / STYLESHEET).read_text("utf-8"))
    return _environment().get_template("report.html").render(**context)
