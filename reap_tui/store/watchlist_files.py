"""The watch list's file as a file: its lock, reading it to its size limit, moving a bad one
aside; and the copy of a list's memory a failed change is undone with. `watchlist` builds on
these."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import filelock

from reap_tui.clock import Clock, to_datetime
from reap_tui.files import MEGABYTE, read_limited
from reap_tui.store.atomic import written_path
from reap_tui.store.codec import Document, Item, decode
from reap_tui.store.errors import WatchListError
from reap_tui.store.imports import Import
from reap_tui.store.model import PendingUpload

if TYPE_CHECKING:
    from reap_tui.store.watchlist import WatchList

SIZE_LIMIT = 64 * MEGABYTE


@dataclass(frozen=True)
class Memory:
    """A copy of what a change edits in a `WatchList`, to put back when its save fails."""

    items: list[Item]
    added: set[str]
    removed: set[str]
    relabelled: set[str]
    pending_uploads: list[PendingUpload]
    imports: list[Import]

    @classmethod
    def of(cls, watchlist: WatchList) -> Memory:
        return cls(
            list(watchlist._items),
            set(watchlist._added),
            set(watchlist._removed),
            set(watchlist._relabelled),
            list(watchlist._pending_uploads),
            list(watchlist._imports),
        )

    def restore(self, watchlist: WatchList) -> None:
        watchlist._items = self.items
        watchlist._added = self.added
        watchlist._removed = self.removed
        watchlist._relabelled = self.relabelled
        watchlist._pending_uploads = self.pending_uploads
        watchlist._imports = self.imports


def lock_for(path: Path) -> filelock.FileLock:
    """The lock beside the file written (a link's target), so every path to it shares one."""
    written = written_path(path)
    return filelock.FileLock(written.with_name(written.name + ".lock"), mode=0o600)


def read_bytes(path: Path) -> bytes | None:
    try:
        return read_limited(path, SIZE_LIMIT, "a watch list")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise WatchListError(path, f"cannot be read: {error.strerror}") from None


def read_document(path: Path) -> Document | None:
    data = read_bytes(path)
    return None if data is None else decode(path, data)


def move_aside(path: Path, clock: Clock) -> Path:
    """Rename the file to `<name>.corrupt-<UTC time>[-n]`; call with its lock held."""
    stamp = to_datetime(clock.now()).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    suffix = 1
    while target.exists():
        suffix += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{suffix}")
    os.rename(path, target)
    return target
