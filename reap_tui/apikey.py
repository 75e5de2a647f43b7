"""The API key: where it comes from, and a type that never shows it.

Order: the environment variable named by `api_key_env` (default REAP_API_KEY), then `api_key`
in config.toml, but only if that file is owned by the user and closed to group and others
(as ssh treats private keys). The program never writes the key anywhere.
"""

from __future__ import annotations

import hmac
import os
import stat
from pathlib import Path

_MASK = "••••"
_MIN_LENGTH_TO_HINT = 12  # shorter keys show nothing of themselves at all


class ApiKey:
    """A secret whose str/repr is only its mask; `.reveal()` is for the request header alone."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        self._secret = secret

    @property
    def masked(self) -> str:
        if len(self._secret) >= _MIN_LENGTH_TO_HINT:
            return _MASK + self._secret[-4:]
        return _MASK

    def reveal(self) -> str:
        return self._secret

    def __bool__(self) -> bool:
        return bool(self._secret)

    @property
    def problem(self) -> str | None:
        """Why this cannot be sent as a header value (without showing it), or None."""
        if not all(" " < char < "\x7f" for char in self._secret):
            return (
                "it contains a space, a control character or a non-ASCII character "
                "(a stray newline or a no-break space from copying?)"
            )
        return None

    def __repr__(self) -> str:
        return f"ApiKey({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        return hmac.compare_digest(self._secret.encode(), other._secret.encode())

    def __hash__(self) -> int:
        return hash(self._secret)


class ApiKeyError(Exception):
    """No usable key; the message says how to provide one."""


def usable_key(key: ApiKey, source: str) -> ApiKey:
    """`key`, or ApiKeyError naming `source` when it cannot be sent as a header."""
    if key.problem:
        raise ApiKeyError(f"refusing the key from {source}: {key.problem}")
    return key


def file_exposure(path: Path) -> tuple[str, str] | None:
    """Why a file holding a secret is not private to this user, and the fix; None if it is."""
    chmod = f"chmod 600 {path}"
    try:
        info = path.stat()
    except OSError as error:
        return f"cannot check its permissions ({error.strerror})", chmod
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return (
            f"it is owned by another user (uid {info.st_uid})",
            f"copy it to a file you own, then {chmod} on the copy",
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        return f"it is accessible by group or others (mode {mode:04o})", chmod
    return None
