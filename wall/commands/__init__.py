"""Sub-commands of `clameur`: each module has `register(subparsers)` and handlers."""

from wall.commands import audit, erase, events, export, ingest, moderate, server, tokens

COMMAND_MODULES = [server, events, tokens, export, erase, audit, moderate, ingest]
