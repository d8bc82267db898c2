"""Server-side SVG charts for the report: no JavaScript, no external asset, print-friendly.

Colours come from CSS classes (`report.css`), never from `style` attributes, so the served
page keeps a strict Content-Security-Policy. Every label is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH = 720
ROW_H = 26
PLOT_H = 180
LEFT = 96
BOTTOM = 24
TOP = 12


def _svg(height: int, title: str, body: list[str], css: str) -> str:
    t = escape(title)
    return (f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>'
            + "".join(body) + "</svg>")


def _nice_max(value: int) -> int:
    """A round upper bound for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def _text(x: float, y: float, label: str, css: str = "", anchor: str = "start") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{escape(label)}</text>'


def bars(rows: Sequence[tuple[str, int, int]], title: str, legend: tuple[str, str]) -> str:
    """Horizontal bars: per row a total (light) with its part (dark) over it."""
    height = TOP + ROW_H * len(rows) + BOTTOM + 8
    top = _nice_max(max((r[1] for r in rows), default=0))
    span = WIDTH - LEFT - 60
    body = []
    for n, (label, total, part) in enumerate(rows):
        y = TOP + n * ROW_H
        body.append(_text(LEFT - 8, y + 16, label, "label", "end"))
        for value, css in ((total, "bar-total"), (part, "bar-part")):
            w = span * value / top
            body.append(f'<rect class="{css}" x="{LEFT}" y="{y + 4}" width="{w:.1f}" '
                        f'height="{ROW_H - 8}"/>')
        body.append(_text(LEFT + span * total / top + 6, y + 16, f"{part} / {total}", "value"))
    body.append(_legend(TOP + ROW_H * len(rows) + 14, legend))
    return _svg(height, title, body, "chart-bars")


def _legend(y: float, names: tuple[str, str]) -> str:
    out = []
    x = LEFT
    for name, css in zip(names, ("bar-total", "bar-part"), strict=True):
        out.append(f'<rect class="{css}" x="{x}" y="{y - 9}" width="12" height="12"/>')
        out.append(_text(x + 18, y + 1, name, "legend"))
        x += 30 + 8 * len(name)
    return "".join(out)


def _axis(top: int, label: Callable[[int], str], ticks: Sequence[tuple[float, str]]) -> list[str]:
    base = TOP + PLOT_H
    out = [f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - 8}" y2="{base}"/>']
    for frac in (0.5, 1.0):
        y = base - PLOT_H * frac
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" '
                   f'y2="{y:.1f}"/>')
        out.append(_text(LEFT - 6, y + 4, label(int(top * frac)), "value", "end"))
    out += [_text(x, base + 16, text, "tick", "middle") for x, text in ticks]
    return out


def _ticks(n: int, x_of: Callable[[int], float], name: Callable[[int], str],
           most: int = 8) -> list[tuple[float, str]]:
    every = max(1, -(-n // most))
    return [(x_of(i), name(i)) for i in range(0, n, every)]


def columns(values: Sequence[tuple[int, int]], names: Sequence[str], title: str,
            legend: tuple[str, str]) -> str:
    """Vertical columns: per slot a total (light) with its part (dark) over it."""
    n = max(len(values), 1)
    top = _nice_max(max((v[0] for v in values), default=0))
    slot = (WIDTH - LEFT - 8) / n
    body = _axis(top, str, _ticks(len(values), lambda i: LEFT + slot * (i + 0.5),
                                  lambda i: names[i]))
    base = TOP + PLOT_H
    for i, (total, part) in enumerate(values):
        x = LEFT + slot * i + slot * 0.12
        for value, css in ((total, "bar-total"), (part, "bar-part")):
            h = PLOT_H * value / top
            body.append(f'<rect class="{css}" x="{x:.1f}" y="{base - h:.1f}" '
                        f'width="{slot * 0.76:.1f}" height="{h:.1f}"/>')
    body.append(_legend(base + BOTTOM + 16, legend))
    return _svg(TOP + PLOT_H + BOTTOM + 28, title, body, "chart-columns")


def timeline(values: Sequence[int], names: Sequence[str], marks: Sequence[int],
             title: str) -> str:
    """An area of taps per minute with numbered markers on the peaks (`marks`: indexes)."""
    n = len(values)
    top = _nice_max(max(values, default=0))
    step = (WIDTH - LEFT - 16) / max(n - 1, 1)
    base = TOP + PLOT_H

    def point(i: int) -> tuple[float, float]:
        return LEFT + step * i, base - PLOT_H * values[i] / top

    body = _axis(top, str, _ticks(n, lambda i: point(i)[0], lambda i: names[i]))
    if n:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(point, range(n)))
        area = f"{LEFT:.1f},{base} {line} {point(n - 1)[0]:.1f},{base}"
        body.append(f'<polygon class="area" points="{area}"/>')
        body.append(f'<polyline class="line" points="{line}"/>')
    for rank, i in enumerate(marks, start=1):
        x, y = point(i)
        body.append(f'<circle class="peak" cx="{x:.1f}" cy="{y:.1f}" r="9"/>')
        body.append(_text(x, y + 4, str(rank), "peak-label", "middle"))
    return _svg(base + BOTTOM + 4, title, body, "chart-timeline")
