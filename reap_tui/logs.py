"""The debug log: a rotating file in the platform log dir, never the terminal, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir("reap-tui")) / "reap-tui.log"


class RedactSecrets(logging.Filter):
    """Replaces every known secret in a record's final text, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def add(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

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
    """A secret learnt after logging started (a key typed in) is redacted from then on."""
    for redact in _FILTERS:
        redact.add(secret)


def start_logging(path: Path | None, secrets: Iterable[str]) -> RedactSecrets:
    """Send reap_tui's and httpx's records to `path` (default: the platform log dir)."""
    log_path = path or default_log_path()
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8", delay=True
    )
    redact = RedactSecrets(secrets)
    _FILTERS.append(redact)
    handler.addFilter(redact)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("reap_tui", "httpx"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False
    if not log_path.exists():
        log_path.touch(mode=0o600)
    os.chmod(log_path, 0o600)
    return redact
