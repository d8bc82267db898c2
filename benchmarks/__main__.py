"""`python -m benchmarks [--quick] [--only NAME ...]`: run the figures, print one table.

Each figure starts its own redis-server, `clameur serve` process(es) and bare baseline,
and stops them by PID before the next one starts.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import platform
import sys
import time

from benchmarks.infra import raise_open_files
from benchmarks.report import Row, table

FIGURES = ("posts", "reactions", "votes", "fanout", "slow", "idle", "scaleout")


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load}")


async def run(names: list[str], quick: bool) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.monotonic()
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            figure_rows = await module.run(quick)
        except Exception as exc:  # noqa: BLE001 - one failed figure must not hide the others
            figure_rows = [Row(f"{name}: FAILED", "—", f"{type(exc).__name__}: {exc}"[:120],
                               ok=False)]
        rows.extend(figure_rows)
        print(table(figure_rows), file=sys.stderr)
        print(f"  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller loads (about two minutes): a smoke test of the bench")
    parser.add_argument("--only", nargs="+", choices=FIGURES, metavar="NAME",
                        help=f"run only these figures ({', '.join(FIGURES)})")
    args = parser.parse_args()
    limit = raise_open_files()
    started = time.monotonic()
    before = machine()
    rows = asyncio.run(run(list(args.only or FIGURES), args.quick))
    print(f"\nClameur benchmarks{' (quick)' if args.quick else ''}, "
          f"{time.monotonic() - started:.0f} s; open-files limit {limit}")
    print(f"before: {before}\nafter:  {machine()}\n")
    print(table(rows))
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
