"""Rows of the benchmark table, percentiles, the table itself and its JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Row:
    """One figure: what was measured next to its target and its bare baseline."""

    figure: str
    target: str
    measured: str
    baseline: str = "—"
    ratio: str = "—"
    ok: bool | None = None
    # The numbers behind the text (for `--json`: runs compared figure by figure).
    values: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0-100), nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ratio(measured: float, baseline: float) -> str:
    return f"{measured / baseline:.2f}" if baseline else "—"


def table(rows: list[Row]) -> str:
    """A Markdown table (readable in a terminal and pasted as is in docs/performance.md)."""
    head = ["figure", "target", "measured", "baseline", "ratio", "ok"]
    cells = [[r.figure, r.target, r.measured, r.baseline, r.ratio,
              {True: "yes", False: "NO", None: ""}[r.ok]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, cells)])


def as_json(rows: list[Row], **run: Any) -> str:
    """The run (machine, flags, duration) and every row with its numbers, as JSON."""
    return json.dumps({**run, "rows": [asdict(r) for r in rows]}, ensure_ascii=False,
                      indent=1)
