"""The watch list file: entries, snapshots, atomic merged writes. See `codec` for the format."""

from reap_tui.store.errors import WatchListError
from reap_tui.store.model import AddResult, Entry, InvalidEntry, PendingUpload, Snapshot
from reap_tui.store.watchlist import WatchList, default_watchlist_path, reset_watchlist

__all__ = [
    "AddResult",
    "Entry",
    "InvalidEntry",
    "PendingUpload",
    "Snapshot",
    "WatchList",
    "WatchListError",
    "default_watchlist_path",
    "reset_watchlist",
]
