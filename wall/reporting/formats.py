"""Write a dataset as CSV (spreadsheet-friendly), JSON or NDJSON, with its README.

CSV is two tables in two files, each with a single header row so that LibreOffice and
Excel open it without an import wizard: `items` and `reactions` (one row per minute). They
are UTF-8 with a byte-order mark (Excel needs it to keep accents) and CRLF line ends. The
description of the columns and the licence go in a companion README, and in the JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from wall.i18n import translations
from wall.reporting.asks import QUESTION_COLUMNS, question_rows
from wall.reporting.dataset import Dataset, iso_from_minute

BOM = "\ufeff"
# A cell a spreadsheet would evaluate as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ITEM_COLUMNS: list[tuple[str, str]] = [
    ("id", "Identifier of the item in this event."),
    ("received_at", "When the item was received (UTC)."),
    ("approved_at", "When the item appeared on the wall (UTC)."),
    ("source", "Where it was sent from: web, sms, x, mastodon or bluesky."),
    ("author", "The name shown on the wall, as chosen by its author (may be empty)."),
    ("text", "The message, exactly as shown on the wall."),
]
TRANSCRIPT_COLUMNS: list[tuple[str, str]] = [
    ("at", "When the caption was sent (UTC)."),
    ("text", "The caption, as shown in the caption band of the wall."),
]
REACTION_COLUMNS: list[tuple[str, str]] = [
    ("minute", "Start of the minute (UTC)."),
    ("<kind>", "One column per reaction kind: taps during that minute."),
    ("total", "All taps during that minute."),
]


def _spreadsheet_time(iso: str) -> str:
    """`2026-11-26T10:00:00.000Z` as `2026-11-26 10:00:00`, which spreadsheets read as a date."""
    return iso[:19].replace("T", " ") if iso else ""


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def items_csv(ds: Dataset, delimiter: str = ",") -> bytes:
    rows = [[name for name, _ in ITEM_COLUMNS]]
    for item in ds.items:
        rows.append([item.id, _spreadsheet_time(item.received_at),
                     _spreadsheet_time(item.approved_at), item.source,
                     _safe_cell(item.author), _safe_cell(item.text)])
    return _csv(rows, delimiter)


def reaction_rows(ds: Dataset) -> list[dict[str, Any]]:
    """One dict per minute: minute (ISO), a count per kind, total."""
    out = []
    for minute, counts in ds.minutes:
        row: dict[str, Any] = {"minute": iso_from_minute(minute)}
        row.update({kind: counts.get(kind, 0) for kind in ds.kinds})
        row["total"] = sum(counts.values())
        out.append(row)
    return out


def reactions_csv(ds: Dataset, delimiter: str = ",") -> bytes:
    rows = [["minute", *ds.kinds, "total"]]
    for row in reaction_rows(ds):
        rows.append([_spreadsheet_time(row["minute"]),
                     *(str(row[k]) for k in ds.kinds), str(row["total"])])
    return _csv(rows, delimiter)


def questions_csv(ds: Dataset, delimiter: str = ",") -> bytes:
    """Every approved question with its votes, answer state and note."""
    rows = question_rows(ds.questions)
    for row in rows[1:]:
        row[1], row[8] = _spreadsheet_time(row[1]), _spreadsheet_time(row[8])
        row[3], row[4], row[7] = (_safe_cell(row[3]), _safe_cell(row[4]),
                                  _safe_cell(row[7]))
    return _csv(rows, delimiter)


def transcript_csv(ds: Dataset, delimiter: str = ",") -> bytes:
    """The captions, one line each with its time: the event's transcript."""
    rows = [[name for name, _ in TRANSCRIPT_COLUMNS]]
    rows += [[_spreadsheet_time(c.at), _safe_cell(c.text)] for c in ds.transcript]
    return _csv(rows, delimiter)


def metadata(ds: Dataset, lang: str = "fr") -> dict[str, Any]:
    """Title, licence, counts and column descriptions, in `lang`."""
    _ = translations(lang).gettext
    return {
        "title": ds.event.title, "event": ds.event.slug,
        "licence": ds.licence or None, "exported_at": ds.exported_at,
        "items": len(ds.items), "minutes": len(ds.minutes),
        "description": _("Messages approved and shown on the wall of this event, and the "
                         "audience's reactions per minute. Pending, rejected and retracted "
                         "messages are not included, nor any contact detail or identifier "
                         "of the authors."),
        "columns": {
            "items": {name: _(text) for name, text in ITEM_COLUMNS},
            "reactions": {name: _(text) for name, text in REACTION_COLUMNS},
            "questions": {name: _(text) for name, text in QUESTION_COLUMNS},
            "transcript": {name: _(text) for name, text in TRANSCRIPT_COLUMNS},
        },
        "questions": len(ds.questions), "polls": len(ds.polls),
        "captions": len(ds.transcript),
    }


def to_json(ds: Dataset, lang: str = "fr") -> str:
    document = {"dataset": metadata(ds, lang), "items": [asdict(i) for i in ds.items],
                "reactions_per_minute": reaction_rows(ds),
                "questions": [asdict(q) for q in ds.questions],
                "polls": [asdict(p) for p in ds.polls],
                "transcript": [asdict(c) for c in ds.transcript]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_ndjson(ds: Dataset, lang: str = "fr") -> str:
    """One JSON object a line: the dataset header, then items, then minutes."""
    lines = [{"type": "dataset", **metadata(ds, lang)}]
    lines += [{"type": "item", **asdict(i)} for i in ds.items]
    lines += [{"type": "reactions", **row} for row in reaction_rows(ds)]
    lines += [{"type": "question", **asdict(q)} for q in ds.questions]
    lines += [{"type": "poll", **asdict(p)} for p in ds.polls]
    lines += [{"type": "caption", **asdict(c)} for c in ds.transcript]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def readme(ds: Dataset, lang: str = "fr", delimiter: str = ",",
           files: tuple[str, ...] = ("items.csv", "reactions.csv", "questions.csv",
                                     "transcript.csv")) -> str:
    """The companion README of the CSV files (Markdown)."""
    _ = translations(lang).gettext
    meta = metadata(ds, lang)
    licence = ds.licence or _("not stated by the organiser: ask before reusing")
    parts = [f"# {ds.event.title}", "", meta["description"], "",
             f"- {_('Licence')}: {licence}", f"- {_('Exported at')}: {ds.exported_at}",
             f"- {_('Items')}: {len(ds.items)}", "",
             _("The files are UTF-8 CSV with a byte-order mark, one header row, separated "
               "by {delimiter}. Times are UTC (YYYY-MM-DD HH:MM:SS). A cell that a "
               "spreadsheet would run as a formula (starting with = + - or @) is prefixed "
               "with an apostrophe; the JSON export keeps the exact text.").format(
                   delimiter=_("semicolons") if delimiter == ";" else _("commas")), ""]
    for columns, name in zip(meta["columns"].values(), files, strict=True):
        parts += [f"## {name}", ""]
        parts += [f"- `{col}`: {text}" for col, text in columns.items()]
        parts.append("")
    return "\n".join(parts)
