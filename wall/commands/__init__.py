"""Sub-commands of `clameur`: each module has `register(subparsers)` and handlers."""

from wall.commands import (
    audit,
    erase,
    events,
    export,
    ingest,
    invite,
    moderate,
    poster,
    rehearse,
    report,
    secret,
    server,
    tokens,
    up,
)

COMMAND_MODULES = [server, up, events, tokens, export, report, erase, audit, moderate, ingest,
                   rehearse, secret, poster, invite]
