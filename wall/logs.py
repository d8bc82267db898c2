"""No log line carries a credential: every record is redacted as it is made.

uvicorn logs a WebSocket's path with its query (`?token=...`) at INFO even with the access
log off, and a traceback may quote a URL or a header. A log record factory (not a handler
filter: handlers come and go, uvicorn configures its own) rewrites the message, its
arguments and any traceback before a handler sees them.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"
# `token=` in a query string; `Bearer <value>`; a token's own shape (`<slug>.<32 chars>`,
# wall/store/tokens.py) wherever it stands; the code of a one-time report link.
_PATTERNS = (
    (re.compile(r"(?i)([?&;]token=)[^&\s\"'#]*"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
    (re.compile(r"\b[a-z0-9-]{1,40}\.[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])"), REDACTED),
    (re.compile(r"(/report/open/)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
)
_installed = False


def redact(text: str) -> str:
    """`text` with every credential replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format is logging's to report, not ours
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info))
                                 .rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _clean(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
