"""The debug log: a rotating file in the platform log dir, never the terminal, secrets redacted."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from reap_tui.files import open_for_append
from reap_tui.redaction import PROCESS_SECRETS, Secrets
from reap_tui.redaction import REDACTED as REDACTED  # the log's mark, as before
from reap_tui.text import clean

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir("reap-tui")) / "reap-tui.log"


class RedactSecrets(Secrets, logging.Filter):
    """Replaces every known secret in a record's final text, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        logging.Filter.__init__(self)
        Secrets.__init__(self, ())
        for secret in secrets:
            self.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTERS: list[RedactSecrets] = []


def protect_in_logs(secret: str) -> None:
    """A secret learnt at any time (a key read or typed in) is redacted from then on: from the
    log, and from every server text, which goes through `redaction.redact_secrets`."""
    PROCESS_SECRETS.add(secret)
    for redact in _FILTERS:
        redact.add(secret)


def start_logging(path: Path | None, secrets: Iterable[str]) -> RedactSecrets:
    """Send reap_tui's and httpx's records to `path` (default: the platform log dir).

    A log file that cannot be opened safely (a symbolic link, a FIFO, an unwritable folder)
    is said on stderr and not written; the command runs on without it.
    """
    log_path = path or default_log_path()
    secrets = list(secrets)
    for secret in secrets:
        PROCESS_SECRETS.add(secret)
    redact = RedactSecrets(secrets)
    _FILTERS.append(redact)
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _LogFile(log_path)
    except OSError as error:
        reason = error.strerror or str(error)
        print(
            f"reap-tui: not writing the debug log {clean(str(log_path))}: {reason}", file=sys.stderr
        )
        return redact
    handler.addFilter(redact)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    # httpx's own line per request says what ours says (`GET batch ... -> ... in N ms`): from
    # httpx only its warnings, so a check costs one line of the log, not two.
    for name, level in (("reap_tui", logging.DEBUG), ("httpx", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False
    return redact


LOG_MAX_BYTES = 2 * 1024 * 1024  # then it is rotated, three old files kept


class _LogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose file is opened by `open_for_append`: never through a symbolic
    link, created private, and an existing file's permissions left as they are.

    The size is counted as records are written rather than asked of the file before each one
    (the standard handler formats every record twice and seeks the file for it: a line per
    check made that a cost of every check)."""

    def __init__(self, path: Path) -> None:
        self._size = 0
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=3, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd, _created = open_for_append(Path(self.baseFilename))
        self._size = os.fstat(fd).st_size
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        return self._size >= self.maxBytes

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        self._size += len(text.encode("utf-8", "replace")) + 1
        return text
