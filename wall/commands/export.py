"""`clameur export SLUG --format csv|json|ndjson`: an event's approved items as open data.

CSV writes four files side by side: `<name>.csv` (items), `<name>-reactions.csv` (one
row per minute), `<name>-questions.csv` (the questions asked, their votes, answers and
notes) and `<name>-README.md` (columns and licence). JSON and NDJSON are one document
(with the questions and the polls' results), written to `--output` or to standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wall.commands._run import with_redis
from wall.config import Settings
from wall.i18n import LANGUAGES, from_locale
from wall.reporting.dataset import Dataset, collect
from wall.reporting.formats import (
    items_csv,
    questions_csv,
    reactions_csv,
    readme,
    to_json,
    to_ndjson,
    transcript_csv,
)
from wall.store.client import Client

FORMATS = ("csv", "json", "ndjson")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="export an event's approved items and reactions as "
                                      "open data")
    p.add_argument("slug")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.add_argument("--output", help="file to write (csv: also <name>-reactions.csv, "
                                    "<name>-questions.csv and <name>-README.md); "
                                    "default: <slug>-items.csv for csv, "
                                    "standard output for json and ndjson")
    p.add_argument("--licence", "--license", dest="licence", default="",
                   help='licence of the data, e.g. "Licence Ouverte 2.0" or "ODbL-1.0"')
    p.add_argument("--lang", choices=LANGUAGES, help="language of the column descriptions")
    p.add_argument("--delimiter", choices=[",", ";"], default=",", metavar="SEP",
                   help="CSV separator: , (default) or ; (suits a French-locale Excel)")
    p.set_defaults(handler=cmd_export)


def csv_paths(output: str | None, slug: str) -> tuple[Path, Path, Path]:
    """The items, reactions and README paths for `--output` (a file or a directory)."""
    target = Path(output) if output else Path(f"{slug}-items.csv")
    if output and (output.endswith("/") or target.is_dir()):
        target = target / f"{slug}-items.csv"
    stem = target.stem[:-len("-items")] if target.stem.endswith("-items") else target.stem
    return (target, target.with_name(f"{stem}-reactions.csv"),
            target.with_name(f"{stem}-README.md"))


def write_csv(ds: Dataset, output: str | None, lang: str, delimiter: str) -> list[Path]:
    items, reactions, about = csv_paths(output, ds.event.slug)
    items.parent.mkdir(parents=True, exist_ok=True)
    items.write_bytes(items_csv(ds, delimiter))
    reactions.write_bytes(reactions_csv(ds, delimiter))
    # The questions asked and their answers (docs/questions-and-polls.md), beside the items.
    asked = reactions.with_name(reactions.name.replace("-reactions.csv", "-questions.csv"))
    asked.write_bytes(questions_csv(ds, delimiter))
    # What was said in the room: the captions, as the event's transcript.
    said = reactions.with_name(reactions.name.replace("-reactions.csv", "-transcript.csv"))
    said.write_bytes(transcript_csv(ds, delimiter))
    about.write_text(readme(ds, lang, delimiter,
                            (items.name, reactions.name, asked.name, said.name)),
                     encoding="utf-8")
    return [items, reactions, asked, said, about]


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> Dataset | None:
        return await collect(redis, args.slug, args.licence)

    ds = with_redis(settings, work)
    if ds is None:
        print(f"error: no event {args.slug!r}", file=sys.stderr)
        return 2
    lang = from_locale(args.lang or settings.lang or None)
    if args.format == "csv":
        for path in write_csv(ds, args.output, lang, args.delimiter):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    text = to_json(ds, lang) if args.format == "json" else to_ndjson(ds, lang)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(ds.items)} items)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
