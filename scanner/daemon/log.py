"""Structured log lines for the daemon: `time level=info event=scanned root=/srv/share path=a.csv findings=3`.

One line per event on stderr, which systemd hands to journald; values with spaces or quotes are quoted, and every
value is escaped by `scanner.display.safe` (a newline in a file name is written as \\n, a backslash as \\\\).
"""

from __future__ import annotations

import logging
import sys
import time

from scanner.display import safe

LOGGER = logging.getLogger("custos.daemon")


def setup(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("custos")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def event(name: str, level: str = "info", **fields: object) -> None:
    LOGGER.log(getattr(logging, level.upper()), name, extra={"fields": fields})


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        parts = [stamp, f"level={record.levelname.lower()}", f"event={_quote(record.getMessage())}"]
        for key, value in getattr(record, "fields", {}).items():
            parts.append(f"{key}={_quote(value)}")
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info).splitlines()[-1])}")
        return " ".join(parts)


def _quote(value: object) -> str:
    text = safe(value)  # a path from the share stays on its line and cannot drive the terminal reading the log
    if text == "" or any(c in text for c in ' "='):
        return '"' + text.replace('"', '\\"') + '"'
    return text
