"""The exact bytes of uploads whose batch id is not known yet, kept beside the watch list.

An upload sent again after a crash or a timeout must carry the same bytes as the first try,
with the same idempotency key, whatever has become of the source file since. So before the
first request the bytes go to `<watch list folder>/uploads/<name>.csv` (the folder 0700, the
file 0600, written atomically and fsynced), named after a hash of the idempotency key; they
are deleted once the batch id is known. A file is read back only if it holds the SHA-256 it
was saved with, so a file changed by hand is treated as lost, never sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from reap_tui.batchfile import MAX_BYTES
from reap_tui.files import read_limited
from reap_tui.store.atomic import make_private_folder, write_atomically

FOLDER_NAME = "uploads"
# Files of keys no longer referenced are removed only this long after they were written, so
# a program that saved its bytes and is about to record its upload never loses them.
ORPHAN_AGE = 24 * 3600.0


class SavedBytes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, watchlist_path: Path) -> SavedBytes:
        return cls(watchlist_path.parent / FOLDER_NAME)

    def path_for(self, idempotency_key: str) -> Path:
        digest = hashlib.sha256(idempotency_key.encode("utf-8", "replace")).hexdigest()
        return self.folder / f"{digest[:32]}.csv"

    def save(self, idempotency_key: str, data: bytes) -> None:
        """Durably, before returning; OSError if it cannot be written."""
        make_private_folder(self.folder.parent)  # as the watch list would have made it
        make_private_folder(self.folder)
        os.chmod(self.folder, 0o700)
        write_atomically(self.path_for(idempotency_key), data)

    def load(self, idempotency_key: str, sha256: str) -> bytes | None:
        """The bytes saved for this key, or None if they are missing, unreadable or not the
        bytes with this SHA-256."""
        path = self.path_for(idempotency_key)
        try:
            data = read_limited(path, MAX_BYTES, "one upload", follow_links=False)
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha256 else None

    def has(self, idempotency_key: str) -> bool:
        """Whether a file is kept for this key (not whether it is intact: `load` checks)."""
        return self.path_for(idempotency_key).is_file()

    def discard(self, idempotency_key: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(idempotency_key).unlink()

    def sweep(self, kept_keys: Iterable[str], now: float) -> None:
        """Remove files of keys no longer in use (left by a crash between a save and its
        record, or between a batch's record and the file's deletion) once they are old; `now`
        is wall-clock time, as file times are."""
        kept = {self.path_for(key).name for key in kept_keys}
        try:
            found = list(self.folder.iterdir())
        except OSError:
            return
        for path in found:
            if path.name in kept:
                continue
            with contextlib.suppress(OSError):
                if now - path.lstat().st_mtime > ORPHAN_AGE:
                    path.unlink()
