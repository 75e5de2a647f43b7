"""The errors a watch-list file can cause, worded by cause so the reader knows what to do."""

from __future__ import annotations

import contextvars
from pathlib import Path

# Set while a backup is being read to describe it: its own errors need no word on its backup.
_READING_BACKUP: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_backup", default=False
)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


class WatchListError(Exception):
    """The watch list cannot be read (its content is bad); the file has been left exactly as
    it was, and --reset-watchlist is the way to start over."""

    def __init__(self, path: Path, problem: str, location: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.location = location
        self.backup = backup_path(path)
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" ({self.location})" if self.location else ""
        if not self.backup.exists():
            backup = f"There is no previous version ({self.backup} does not exist)."
        elif (problem := _unreadable_backup(self.backup)) is not None:
            backup = (
                f"Its previous version {self.backup} cannot be read either ({problem}), "
                "so there is no good version to go back to."
            )
        else:
            backup = f"The previous good version is {self.backup}."
        return (
            f"watch list {self.path}{where}: {self.problem}\n"
            f"The file was left untouched. {backup}\n"
            "To start a new list, run with --reset-watchlist (the bad file is moved aside, "
            "not deleted)."
        )


class WatchListUnavailable(WatchListError):
    """The watch list cannot be locked, or its folder created: nothing is wrong with the file
    itself, so the advice is about the cause, never to reset it."""

    def _message(self) -> str:
        return f"watch list {self.path}: {self.problem}\nNothing was changed."


def _unreadable_backup(backup: Path) -> str | None:
    """Why the `.bak` cannot be read as a watch list either, or None when it can."""
    if _READING_BACKUP.get():
        return None
    from reap_tui.files import read_limited
    from reap_tui.store.codec import decode
    from reap_tui.store.watchlist_files import SIZE_LIMIT

    token = _READING_BACKUP.set(True)
    try:
        decode(backup, read_limited(backup, SIZE_LIMIT, "a watch list"))
    except OSError as error:
        return f"it cannot be read: {error.strerror}"
    except WatchListError as error:
        return error.problem
    finally:
        _READING_BACKUP.reset(token)
    return None
