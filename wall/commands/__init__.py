"""Sub-commands of `clameur`: each module has `register(subparsers)` and handlers."""

from wall.commands import audit, erase, events, export, ingest, moderate, report, server, tokens

COMMAND_MODULES = [server, events, tokens, export, report, erase, audit, moderate, ingest]
