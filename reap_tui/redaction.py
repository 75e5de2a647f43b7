"""The secrets this process knows (API keys), and their removal from any text about to be shown.

One `Secrets` holds them and replaces each occurrence with REDACTED; the debug log's filter
(`reap_tui.logs.RedactSecrets`) is one, and the process-wide one behind `redact_secrets` is fed
by `reap_tui.logs.protect_in_logs` and `start_logging`, so the log and every server text shown
are redacted of the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[redacted]"


class Secrets:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = [secret for secret in secrets if secret]

    def add(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)
            # Longest first: a key that contains another is replaced whole.
            self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


PROCESS_SECRETS = Secrets()


def redact_secrets(text: str) -> str:
    """`text` (a server's words, about to be shown or printed) with every secret this process
    knows replaced, as in the log."""
    return PROCESS_SECRETS.redact(text)
