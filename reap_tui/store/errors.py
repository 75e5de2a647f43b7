"""The errors a watch-list file can cause, worded by cause so the reader knows what to do."""

from __future__ import annotations

from pathlib import Path


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
        if self.backup.exists():
            backup = f"The previous good version is {self.backup}."
        else:
            backup = f"There is no previous version ({self.backup} does not exist)."
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
