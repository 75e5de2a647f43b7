"""Which of the table's columns a person chose to see, in which order (the label is pinned first).

Kept as `[ui] columns` (shown, in order) and `hidden_columns` in ui-state.toml. A name this
version does not know is ignored; a column in neither list (one added by a later version) is
shown after the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reap_tui.tui.cells import COLUMNS
from reap_tui.tui.columns import Column

PINNED = "label"
_BY_KEY = {column.key: column for column in COLUMNS}
MOVABLE: tuple[str, ...] = tuple(column.key for column in COLUMNS if column.key != PINNED)


@dataclass(frozen=True)
class ColumnChoice:
    order: tuple[str, ...] = MOVABLE
    """Every column after the label, in the order shown."""
    hidden: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, shown: Sequence[str] | None, hidden: Sequence[str]) -> ColumnChoice:
        hidden_known = frozenset(key for key in hidden if key in MOVABLE)
        if shown is None:
            return cls(MOVABLE, hidden_known)
        listed = [key for key in dict.fromkeys(shown) if key in MOVABLE and key not in hidden_known]
        rest = [key for key in MOVABLE if key not in listed]
        return cls((*listed, *rest), hidden_known - set(listed))

    @property
    def shown(self) -> tuple[str, ...]:
        return tuple(key for key in self.order if key not in self.hidden)

    def columns(self) -> tuple[Column, ...]:
        """The label, then the shown columns in order: what the table is given to fit."""
        return (_BY_KEY[PINNED], *(_BY_KEY[key] for key in self.shown))

    def toggled(self, key: str) -> ColumnChoice:
        if key not in MOVABLE:
            return self
        return ColumnChoice(self.order, self.hidden ^ {key})

    def moved(self, key: str, by: int) -> ColumnChoice:
        if key not in self.order:
            return self
        order = list(self.order)
        at = order.index(key)
        to = max(0, min(len(order) - 1, at + by))
        order.insert(to, order.pop(at))
        return ColumnChoice(tuple(order), self.hidden)


def header_of(key: str) -> str:
    return _BY_KEY[key].header
