"""Counts of batches by what they show, for the header and the terminal title.

Kept up to date one state change at a time (`StatusCounts.update`), so drawing the header does
not go over every batch.
"""

from __future__ import annotations

from collections import Counter

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState
from reap_tui.tui.ordering import ATTENTION

Group = tuple[str, str, fmt.Tone]  # symbol, words, tone


def group_of(state: BatchState) -> Group:
    symbol, words, tone = fmt.status_label(state)
    if symbol == "▲":
        return symbol, "with failures", tone
    if symbol == "?":
        return symbol, "unknown status", tone
    return symbol, words, tone


class StatusCounts:
    """How many batches are in each group, by batch id."""

    def __init__(self) -> None:
        self._group: dict[str, Group] = {}
        self._counts: Counter[Group] = Counter()

    def update(self, state: BatchState) -> None:
        group = group_of(state)
        before = self._group.get(state.batch_id)
        if before == group:
            return
        if before is not None:
            self._take(before)
        self._group[state.batch_id] = group
        self._counts[group] += 1

    def remove(self, batch_id: str) -> None:
        before = self._group.pop(batch_id, None)
        if before is not None:
            self._take(before)

    def _take(self, group: Group) -> None:
        self._counts[group] -= 1
        if not self._counts[group]:
            del self._counts[group]

    def groups(self) -> list[tuple[Group, int]]:
        """Non-empty groups, what needs attention first."""
        return sorted(self._counts.items(), key=lambda item: (ATTENTION[item[0][2]], item[0][1]))


def terminal_title(groups: list[tuple[Group, int]], environment: str) -> str:
    """Plain words: a background tmux window or a taskbar shows progress without colour."""
    parts = [f"{number} {words}" for (_, words, _), number in groups]
    return f"reap-tui {environment}: " + (", ".join(parts) if parts else "no batches")
