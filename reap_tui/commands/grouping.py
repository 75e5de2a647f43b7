"""`add --import NAME` and `import FILE --import NAME`: batches uploaded elsewhere grouped into
an import, in the order given, in the same write that watches them."""

from __future__ import annotations

from collections.abc import Sequence

from reap_tui.commands.common import UsageError
from reap_tui.commands.context import saving
from reap_tui.store import AddResult, Entry, WatchList
from reap_tui.store.imports import Import, ImportConflict, check_name, find, with_members
from reap_tui.text import clean


def add_to_import(
    watchlist: WatchList, name: str, entries: Sequence[Entry]
) -> tuple[list[AddResult], str]:
    """Watch `entries` (all of one environment) and append them to the import `name`, made if
    new; a UsageError, with nothing changed, if one is in another import or watched under
    another environment. Returns the results and a line saying what the import holds."""
    try:
        name = check_name(name)
    except ValueError as error:
        raise UsageError(str(error)) from None
    first = entries[0]
    batch_ids = [entry.batch_id for entry in entries]

    def change(imports: list[Import]) -> list[Import]:
        for entry in entries:
            watched = watchlist.get(entry.batch_id)
            if watched is not None and watched.base_url != entry.base_url:
                raise ImportConflict(
                    f"batch {entry.batch_id} is watched under {watched.environment} "
                    f"({watched.base_url}); an import holds batches of one environment"
                )
        return with_members(
            imports,
            name,
            batch_ids,
            environment=first.environment,
            base_url=first.base_url,
            created_at=first.added_at,
        )

    try:
        with saving(watchlist):
            results = watchlist.change_imports(change, entries)
    except ImportConflict as error:
        raise UsageError(f"{clean(str(error))}; nothing was changed") from None
    grouped = find(watchlist.imports, name, first.base_url)
    assert grouped is not None
    count = len(grouped.batch_ids)
    note = (
        f"the import {clean(grouped.name)!r} [{clean(first.environment, limit=30)}] holds "
        f"{count} batch{'' if count == 1 else 'es'}"
    )
    return results, note
