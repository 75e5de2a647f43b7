"""The table's order kept true as states change, cheaply.

Each shown row's sort key is kept. When states change, only their keys are computed again; a
row whose key is unchanged, or still between its neighbours', leaves the order as it is, so a
flush that moves nothing in the order costs a few comparisons, not a sort of every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from reap_tui.engine.state import BatchState
from reap_tui.tui.ordering import SortOrder
from reap_tui.vocabulary import Rules

SortKeyValue = tuple[object, ...]


class LiveOrder:
    def __init__(
        self,
        order: SortOrder,
        *,
        reverse: bool = False,
        rules: Rules = Rules(),  # noqa: B008
    ) -> None:
        self.order = order
        self.reverse = reverse
        self.rules = rules
        self._keys: dict[str, SortKeyValue] = {}

    def arrange(self, states: Iterable[BatchState]) -> list[str]:
        """These batches in order; their keys are kept for `update`."""
        self._keys = {state.batch_id: self.order.key(state, self.rules) for state in states}
        return self.sorted(self._keys)

    def update(
        self,
        states: Iterable[BatchState],
        rows: Sequence[str],
        index_of: Callable[[str], int | None],
    ) -> list[str]:
        """Bring these batches' keys up to date; those of them now out of place among `rows`
        (the order shown), or not among them yet."""
        moved = []
        for state in states:
            key = self.order.key(state, self.rules)
            if self._keys.get(state.batch_id) == key:
                continue
            self._keys[state.batch_id] = key
            at = index_of(state.batch_id)
            if at is None or not self._in_place(rows, at):
                moved.append(state.batch_id)
        return moved

    def forget(self, batch_id: str) -> None:
        self._keys.pop(batch_id, None)

    def sorted(self, batch_ids: Iterable[str]) -> list[str]:
        """`batch_ids` (each with a kept key) in this order."""
        return sorted(batch_ids, key=self._keys.__getitem__, reverse=self.reverse)

    def _in_place(self, rows: Sequence[str], at: int) -> bool:
        key = self._keys[rows[at]]
        before = self._keys.get(rows[at - 1]) if at > 0 else None
        after = self._keys.get(rows[at + 1]) if at + 1 < len(rows) else None
        if self.reverse:
            before, after = after, before
        return (before is None or _at_most(before, key)) and (after is None or _at_most(key, after))


def _at_most(low: SortKeyValue, high: SortKeyValue) -> bool:
    return low <= high
