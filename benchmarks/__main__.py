"""`python -m benchmarks [--quick] [--only NAME ...] [sizes] [--json FILE]`: run the figures,
print one table (and write it as JSON for comparing runs).

The sizes (`--workers 1,2,4,8 --phones 2000 --rate 150000 --walls 4000
--posts-connections 128`) size the load, not the machine: the same command runs on any
machine, the generators split over as many processes as the load needs, and each figure
says when a generator rather than the server set the pace. Each figure starts its own
redis-server, `clameur serve` process(es) and bare baseline, and stops them by PID before
the next one starts.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.infra import raise_open_files
from benchmarks.load import Load
from benchmarks.report import Row, as_json, table

FIGURES = ("posts", "reactions", "votes", "fanout", "slow", "idle", "desk", "scaleout")


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load}")


async def run(names: list[str], load: Load) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.monotonic()
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        # Figures sized by the flags take the Load; the others (votes) a `quick` flag.
        sized = "load" in inspect.signature(module.run).parameters
        try:
            figure_rows = await (module.run(load) if sized else module.run(load.quick))
        except Exception as exc:  # noqa: BLE001 - one failed figure must not hide the others
            figure_rows = [Row(f"{name}: FAILED", "—", f"{type(exc).__name__}: {exc}"[:120],
                               ok=False)]
        rows.extend(figure_rows)
        print(table(figure_rows), file=sys.stderr)
        print(f"  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    return rows


def counts(text: str) -> tuple[int, ...]:
    """`1,2,4,8` → (1, 2, 4, 8)."""
    values = tuple(int(part) for part in text.split(",") if part.strip())
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("worker counts are positive numbers: 1,2,4")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smaller loads (a few minutes): a smoke test of the bench")
    parser.add_argument("--only", nargs="+", choices=FIGURES, metavar="NAME",
                        help=f"run only these figures ({', '.join(FIGURES)})")
    parser.add_argument("--workers", type=counts, metavar="N,N,...",
                        help="worker counts of the scale figure (default 1,2,4; quick 1,2)")
    parser.add_argument("--phones", type=int, help="audience sockets tapping (default 400)")
    parser.add_argument("--rate", type=float,
                        help="reaction messages/s the phones offer in all (default 60000)")
    parser.add_argument("--walls", type=int, help="sockets receiving the fan-out (default 2000)")
    parser.add_argument("--posts-connections", type=int,
                        help="wrk's connections on the posts endpoint (default 64)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the run (machine, sizes, every row with its numbers) "
                             "as JSON to FILE")
    args = parser.parse_args()
    load = Load.sized(args.quick, args.workers, args.phones, args.rate, args.walls,
                      args.posts_connections)
    limit = raise_open_files()
    started = time.monotonic()
    before = machine()
    names = list(args.only or FIGURES)
    rows = asyncio.run(run(names, load))
    elapsed = time.monotonic() - started
    after = machine()
    sizes = (f"workers {','.join(map(str, load.workers))}, phones {load.phones:,}, rate "
             f"{load.rate:,.0f}/s, walls {load.walls:,}, posts connections "
             f"{load.posts_connections}")
    print(f"\nClameur benchmarks{' (quick)' if args.quick else ''}, {elapsed:.0f} s; "
          f"open-files limit {limit}\nsizes:  {sizes}")
    print(f"before: {before}\nafter:  {after}\n")
    print(table(rows))
    if args.json:
        args.json.write_text(as_json(rows, machine={"before": before, "after": after},
                                     cpus=os.cpu_count(), figures=names, load=asdict(load),
                                     seconds=round(elapsed), argv=sys.argv[1:]) + "\n")
        print(f"\nJSON: {args.json}")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
