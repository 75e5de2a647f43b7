"""The watch list: which batches the user follows, shared safely between running programs.

Every change is a load-modify-save under a lock on `<name>.lock` (beside the file written: a
link's target, so that every path to one file shares one lock): the file is re-read under
the lock and this program's own changes since its last save are applied on top, so entries
another program added or removed in the meantime are kept or honoured. The file is written
only when the user changes the list; what was last seen of each batch lives in the state
database beside it (`statedb`). Snapshots in a file of an earlier version are read, written
back as they were, and dropped once they have been moved to that database (`drop_snapshots`).

Pending uploads live in the same file, so that an upload's end (its batch added, its pending
record cleared) is one atomic write. They are only ever changed under the lock right after a
re-read, and saved at once, so the file's copy is always the current one. Imports
(`store.imports`) are kept the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import filelock
import platformdirs

from reap_tui.clock import Clock
from reap_tui.store.atomic import (
    Stamp,
    file_stamp,
    make_private_folder,
    remove_stale_temp_files,
    write_atomically,
)
from reap_tui.store.codec import Item, decode, encode
from reap_tui.store.errors import WatchListError, WatchListUnavailable, backup_path
from reap_tui.store.imports import Import
from reap_tui.store.model import AddResult, Entry, InvalidEntry, PendingUpload, Source
from reap_tui.store.watchlist_files import (
    Memory,
    lock_for,
    move_aside,
    read_bytes,
    read_document,
)

LOCK_TIMEOUT = 10.0


def default_watchlist_path() -> Path:
    return Path(platformdirs.user_data_dir("reap-tui")) / "watchlist.toml"


class WatchList:
    def __init__(
        self,
        path: Path,
        clock: Clock,
        items: list[Item],
        pending_uploads: list[PendingUpload] | None = None,
        imports: list[Import] | None = None,
    ) -> None:
        self.path = path
        self._clock = clock
        self._items = items
        self._positions: dict[str, int] = {}
        self._pending_uploads = pending_uploads or []
        self._imports = imports or []
        self._lock = lock_for(path)
        # This program's changes since its last save, re-applied to the file as found on disk.
        self._added: set[str] = set()
        self._removed: set[str] = set()
        self._relabelled: set[str] = set()
        # The file as this program last wrote it: a file with this stamp is known to be whole
        # (the file system may give the new file the inode of the one it replaced).
        self.written_stamp: Stamp | None = None

    @classmethod
    def open(cls, path: Path, clock: Clock) -> WatchList:
        """Load the list (a missing file is an empty list); WatchListError if the file is bad."""
        document = read_document(path)
        if document is None:
            return cls(path, clock, [])
        return cls(path, clock, document.items, document.pending_uploads, imports=document.imports)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(item for item in self._items if isinstance(item, Entry))

    @property
    def problems(self) -> tuple[InvalidEntry, ...]:
        """Entries with an invalid batch id: kept in the file untouched."""
        return tuple(item for item in self._items if isinstance(item, InvalidEntry))

    @property
    def backup_path(self) -> Path:
        return backup_path(self.path)

    @property
    def pending_uploads(self) -> tuple[PendingUpload, ...]:
        return tuple(self._pending_uploads)

    @property
    def imports(self) -> tuple[Import, ...]:
        return tuple(self._imports)

    def get(self, batch_id: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.batch_id == batch_id), None)

    def add(
        self,
        batch_id: str,
        *,
        environment: str,
        base_url: str,
        label: str = "",
        source: Source = Source.MANUAL,
        uploaded_at: float | None = None,
    ) -> AddResult:
        """Watch a batch (id already canonical, see `parse_batch_id`); saved before returning.

        A batch already watched (by this or another program) is reported with `added=False`
        and the file is not written.
        """
        entry = Entry(
            batch_id=batch_id,
            added_at=self._clock.now(),
            source=source,
            environment=environment,
            base_url=base_url,
            label=label,
            uploaded_at=uploaded_at,
        )
        return self.add_many([entry])[0]

    def add_many(self, new_entries: Sequence[Entry]) -> list[AddResult]:
        """Watch several batches with one save (`import`): one result per entry, in order."""
        with self._changing() as previous:
            results = self._append(new_entries)
            if any(result.added for result in results):
                self._save(previous)
        return results

    def change_imports(
        self,
        change: Callable[[list[Import]], list[Import]],
        new_entries: Sequence[Entry] = (),
    ) -> list[AddResult]:
        """Replace the imports with `change(the imports as the file holds them now)` and watch
        `new_entries` (as `add_many` does), in one save. An exception raised by `change` leaves
        the file and this list as they were."""
        with self._changing() as previous:
            self._imports = change(list(self._imports))
            results = self._append(new_entries)
            self._save(previous)
        return results

    def remove(self, batch_id: str) -> bool:
        """Stop watching a batch; False when it was not in the list (here or on disk)."""
        with self._changing() as previous:
            if self.get(batch_id) is None:
                return False
            self._items = [item for item in self._items if _id_of(item) != batch_id]
            self._removed.add(batch_id)
            self._added.discard(batch_id)
            self._save(previous)
        return True

    def begin_upload(self, proposed: PendingUpload) -> tuple[PendingUpload, bool]:
        """Record an upload before its request is sent; saved durably before returning.

        If an upload of the same file to the same base URL is already pending (a timeout, a
        crash, another program), that one is returned unchanged with True, so its key is reused.
        """
        with self._changing() as previous:
            existing = self._pending_for(proposed.file_sha256, proposed.base_url)
            if existing is not None:
                return existing, True
            self._pending_uploads.append(proposed)
            self._save(previous)
        return proposed, False

    def finish_upload(
        self, pending: PendingUpload, batch_id: str, *, label: str, uploaded_at: float
    ) -> AddResult:
        """Watch the uploaded batch and clear its pending upload, in one write."""
        entry = Entry(
            batch_id=batch_id,
            added_at=self._clock.now(),
            source=Source.UPLOAD,
            environment=pending.environment,
            base_url=pending.base_url,
            label=label,
            uploaded_at=uploaded_at,
        )
        with self._changing() as previous:
            self._drop_pending(pending)
            existing = self.get(batch_id)
            if existing is None:
                self._items.append(entry)
                self._added.add(batch_id)
                self._removed.discard(batch_id)
            self._save(previous)
        return AddResult(existing or entry, added=existing is None)

    def abandon_upload(self, pending: PendingUpload) -> None:
        """Forget a pending upload Reap answered without creating a batch."""
        with self._changing() as previous:
            self._drop_pending(pending)
            self._save(previous)

    def set_label(self, batch_id: str, label: str) -> bool:
        """Saved before returning; False when the batch is no longer in the list."""
        return self._change(batch_id, self._relabelled, lambda entry: replace(entry, label=label))

    def drop_snapshots(self, batch_ids: Collection[str]) -> None:
        """Remove the `[batch.snapshot]` of these batches from the file (they have been moved to
        the state database), in one save that keeps the file as it was in the `.bak`."""
        with self._changing() as previous:
            dropped = False
            for index, item in enumerate(self._items):
                if isinstance(item, Entry) and item.snapshot and item.batch_id in batch_ids:
                    self._items[index] = replace(item, snapshot=None)
                    dropped = True
            if dropped:
                self._save(previous)

    def reload(self) -> None:
        """Make memory the file as it is now, with this program's unsaved changes on top: what
        other programs and hand edits changed. WatchListError, memory unchanged, if the file
        cannot be read or is gone (a missing file is not read as an empty list here)."""
        if not self.path.exists():
            raise WatchListError(self.path, "is gone (deleted or moved away)")
        self._sync()

    def overwrite_unreadable(self) -> tuple[bool, Path | None]:
        """Write the list as held in memory over a file that cannot be read (or is gone); the
        unreadable file is first moved aside to `<name>.corrupt-<UTC time>`. Returns whether
        the list was written (not if the file can be read by now) and where the unreadable
        file went."""
        with self._locked():
            moved_to = None
            if self.path.exists():
                try:
                    read_document(self.path)
                    return False, None
                except WatchListError:
                    moved_to = move_aside(self.path, self._clock)
            remove_stale_temp_files(self.path)
            write_atomically(self.path, encode(self._items, self._pending_uploads, self._imports))
            self.written_stamp = file_stamp(self.path)
            self._added.clear()
            self._removed.clear()
            self._relabelled.clear()
        return True, moved_to

    def _append(self, new_entries: Sequence[Entry]) -> list[AddResult]:
        results: list[AddResult] = []
        for entry in new_entries:
            existing = self.get(entry.batch_id)
            if existing is not None:
                results.append(AddResult(existing, added=False))
                continue
            self._items.append(entry)
            self._added.add(entry.batch_id)
            self._removed.discard(entry.batch_id)
            results.append(AddResult(entry, added=True))
        return results

    def _change(self, batch_id: str, changed: set[str], change: Callable[[Entry], Entry]) -> bool:
        with self._changing() as previous:
            index = self._index(batch_id)
            if index is None:
                return False
            self._items[index] = change(self._entry_at(index))
            changed.add(batch_id)
            self._save(previous)
        return True

    @contextlib.contextmanager
    def _changing(self) -> Iterator[bytes | None]:
        """Lock, re-read the file and yield the bytes read (for `_save`). If the change made
        inside fails (its save, above all), memory is put back as the re-read left it, so that
        a later save does not write that change after all."""
        with self._locked():
            previous = self._sync()
            before = Memory.of(self)
            try:
                yield previous
            except BaseException:
                before.restore(self)
                raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            make_private_folder(self.path.parent)
        except OSError as error:
            raise WatchListUnavailable(
                self.path, f"its folder {self.path.parent} cannot be created: {error.strerror}"
            ) from None
        with _holding(self._lock, self.path):
            yield

    def _merge(self, on_disk: list[Item] | None) -> None:
        """Make memory the file as found on disk, with this program's changes applied on top."""
        mine = {entry.batch_id: entry for entry in self.entries}
        merged: list[Item] = []
        for item in on_disk or []:
            if isinstance(item, InvalidEntry):
                merged.append(item)
            elif item.batch_id not in self._removed:
                merged.append(self._merge_entry(item, mine.get(item.batch_id)))
        disk_ids = {_id_of(item) for item in merged}
        merged.extend(mine[batch_id] for batch_id in mine if batch_id in self._added - disk_ids)
        self._items = merged

    def _merge_entry(self, theirs: Entry, mine: Entry | None) -> Entry:
        if mine is not None and mine.batch_id in self._relabelled:
            return replace(theirs, label=mine.label)
        return theirs

    def _pending_for(self, file_sha256: str, base_url: str) -> PendingUpload | None:
        return next((p for p in self._pending_uploads if p.is_for(file_sha256, base_url)), None)

    def _drop_pending(self, pending: PendingUpload) -> None:
        self._pending_uploads = [
            each
            for each in self._pending_uploads
            if not each.is_for(pending.file_sha256, pending.base_url)
        ]

    def _sync(self) -> bytes | None:
        """Re-read the file (lock held) and merge; returns the bytes read, for the `.bak`."""
        data = read_bytes(self.path)
        document = None if data is None else decode(self.path, data)
        self._merge(document.items if document else None)
        self._pending_uploads = list(document.pending_uploads) if document else []
        self._imports = list(document.imports) if document else []
        return data

    def _save(self, previous: bytes | None) -> None:
        """Write memory to disk; call with the lock held, right after `_sync()`."""
        remove_stale_temp_files(self.path)
        data = encode(self._items, self._pending_uploads, self._imports)
        if data != previous:
            if previous is not None:
                write_atomically(self.backup_path, previous)
            write_atomically(self.path, data)
            self.written_stamp = file_stamp(self.path)
        self._added.clear()
        self._removed.clear()
        self._relabelled.clear()

    def _index(self, batch_id: str) -> int | None:
        """The position of `batch_id` in `_items`: looked up, checked, rebuilt when stale (the
        list is appended to and replaced in many places), so a thousand updates stay linear."""
        index = self._positions.get(batch_id)
        if index is None or index >= len(self._items) or _id_of(self._items[index]) != batch_id:
            self._positions = {}
            for position, item in enumerate(self._items):
                if isinstance(item, Entry):
                    self._positions.setdefault(item.batch_id, position)
            index = self._positions.get(batch_id)
        return index

    def _entry_at(self, index: int) -> Entry:
        item = self._items[index]
        assert isinstance(item, Entry)
        return item


def reset_watchlist(path: Path, clock: Clock) -> Path | None:
    """Move a bad watch-list file aside to `<name>.corrupt-<UTC time>`; None if it was fine.

    Nothing is deleted: the user can inspect or restore the moved file and the `.bak`.
    """
    if not path.exists():
        return None
    with _holding(lock_for(path), path):
        try:
            read_document(path)
        except WatchListError:
            return move_aside(path, clock)
    return None


@contextlib.contextmanager
def _holding(lock: filelock.FileLock, path: Path) -> Iterator[None]:
    """Hold the watch list's lock, waiting up to LOCK_TIMEOUT for another program to let go."""
    try:
        lock.acquire(timeout=LOCK_TIMEOUT)
    except filelock.Timeout:
        raise WatchListUnavailable(
            path,
            f"another reap-tui (or another program) has held its lock {lock.lock_file} for more "
            f"than {LOCK_TIMEOUT:.0f} s; close it or let it finish, then try again",
        ) from None
    except OSError as error:
        raise WatchListUnavailable(
            path, f"its lock {lock.lock_file} cannot be used: {error.strerror}"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _id_of(item: Item) -> str | None:
    return item.batch_id if isinstance(item, Entry) else None
