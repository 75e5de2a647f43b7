"""Changes made to a watch list's file while a program has it open: `reap-tui add/remove/import`
run beside a dashboard, another dashboard, a hand edit.

`ListWatcher.poll()` (once a second is plenty) looks at the file's device, inode, size and
modification time (no new dependency, no inotify); when any differ, and the file was replaced
whole or has stayed the same since the last look (an editor writing in place may be half-way),
it re-reads the file into the `WatchList` and says what changed since the last report: batches
added, removed, relabelled, or moved into, out of or within an import. The comparison is with
what was last reported, not with the list in memory, so a change another program made just
before this program's own write (which merges it into memory) is still reported; applying a
report twice is harmless.

A file that cannot be read (a broken hand edit, or deleted) is reported once per spell, with
the list in memory kept as it was; nothing here writes the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from reap_tui.store import imports as import_rules
from reap_tui.store.atomic import Stamp, file_stamp
from reap_tui.store.errors import WatchListError
from reap_tui.store.model import Entry
from reap_tui.store.watchlist import WatchList


@dataclass(frozen=True)
class ListChanges:
    added: tuple[Entry, ...] = ()
    removed: tuple[str, ...] = ()
    relabelled: tuple[Entry, ...] = ()
    regrouped: tuple[Entry, ...] = ()
    """Batches whose import (or place in it) changed."""
    readable_again: bool = False
    """The file could not be read at the last report, and can now."""

    def __bool__(self) -> bool:
        return bool(
            self.added or self.removed or self.relabelled or self.regrouped or self.readable_again
        )


@dataclass(frozen=True)
class Unreadable:
    """The file cannot be read: `problem` says why. Reported when a spell begins, and again
    only if the problem changes."""

    problem: str


@dataclass(frozen=True)
class _Known:
    label: str
    base_url: str
    group: tuple[str, int] | None


class ListWatcher:
    def __init__(self, watchlist: WatchList) -> None:
        """`watchlist` as this program has shown it: later changes are reported against it."""
        self.watchlist = watchlist
        self.problem: str | None = None  # why the file cannot be read, while it cannot
        self._stamp = file_stamp(watchlist.path)
        self._seen = self._stamp  # the file as at the last look
        self._known = _known(watchlist)

    def poll(self) -> ListChanges | Unreadable | None:
        """What changed since the last report; None if nothing did (or nothing new to say)."""
        stamp = file_stamp(self.watchlist.path)
        if stamp == self._stamp and stamp is not None:
            return None
        if not self._settled(stamp):
            return None
        self._stamp = stamp
        try:
            self.watchlist.reload()
        except WatchListError as error:
            problem = str(error)
            if problem == self.problem:
                return None
            self.problem = problem
            return Unreadable(problem)
        readable_again = self.problem is not None
        self.problem = None
        known, self._known = self._known, _known(self.watchlist)
        changes = _compare(known, self._known, self.watchlist)
        if readable_again:
            changes = ListChanges(
                changes.added,
                changes.removed,
                changes.relabelled,
                changes.regrouped,
                readable_again=True,
            )
        return changes or None

    def _settled(self, stamp: Stamp | None) -> bool:
        """Whether the file can be read as it is now: replaced whole (a new inode: an atomic
        write, as every reap-tui write is), or unchanged since the last look (an editor that
        writes in place may be half-way through: an empty or cut file is not the list)."""
        seen, self._seen = self._seen, stamp
        if stamp is not None and stamp == self.watchlist.written_stamp:
            return True  # this program's own write, whole whatever inode it was given
        if stamp is None or self._stamp is None:
            return stamp == seen
        return stamp[:2] != self._stamp[:2] or stamp == seen

    def written(self) -> None:
        """This program wrote the file from its memory (an overwrite): that is what it shows."""
        self.problem = None
        self._stamp = self._seen = file_stamp(self.watchlist.path)
        self._known = _known(self.watchlist)


def _known(watchlist: WatchList) -> dict[str, _Known]:
    groups = import_rules.positions(watchlist.imports)
    return {
        entry.batch_id: _Known(entry.label, entry.base_url, groups.get(entry.batch_id))
        for entry in watchlist.entries
    }


def _compare(before: dict[str, _Known], after: dict[str, _Known], now: WatchList) -> ListChanges:
    added: list[Entry] = []
    relabelled: list[Entry] = []
    regrouped: list[Entry] = []
    for entry in now.entries:
        was = before.get(entry.batch_id)
        if was is None or was.base_url != entry.base_url:
            added.append(entry)
            continue
        if was.label != entry.label:
            relabelled.append(entry)
        if was.group != after[entry.batch_id].group:
            regrouped.append(entry)
    removed = [
        batch_id
        for batch_id, was in before.items()
        if batch_id not in after or after[batch_id].base_url != was.base_url
    ]
    return ListChanges(tuple(added), tuple(removed), tuple(relabelled), tuple(regrouped))
