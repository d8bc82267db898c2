"""The `clameur` command: parses arguments and hands each sub-command to its module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wall import __version__
from wall.commands import COMMAND_MODULES
from wall.config import Settings

EPILOG = "Settings (environment variables):\n" + "\n".join(
    f"  {env:<26} {help} (default: {default or 'unset'})"
    for env, default, help in Settings.documented()
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clameur", description="Clameur: a live wall for rooms and civic events.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"clameur {__version__}")
    parser.add_argument("--config", help="a clameur.toml file (default: ./clameur.toml)")
    parser.add_argument("--data-dir", help="data directory of the embedded Redis (./var)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings.load(args.config)
    if args.data_dir:
        settings.data_dir = args.data_dir
    code = args.handler(args, settings)
    sys.exit(code or 0)
