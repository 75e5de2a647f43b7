"""The watch list file (entries, pending uploads; atomic merged writes: see `codec` for the
format) and, in `statedb`, the database of what was last seen of each batch."""

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
