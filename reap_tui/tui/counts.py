"""Counts of batches by state, and their records, for the header and the terminal title.

Kept up to date one state change at a time (`StatusCounts.update`), so drawing the header does
not go over every batch. The states and their order are the vocabulary's: the filter finds
under a state's name exactly the batches counted under it here.
"""

from __future__ import annotations

from collections import Counter

from reap_tui.engine.imports import Records, records_of
from reap_tui.engine.state import BatchState
from reap_tui.vocabulary import RANK, Condition, Rules, condition_of


class StatusCounts:
    """How many batches are in each state, by batch id; and the sum of their records."""

    def __init__(self, rules: Rules = Rules()) -> None:  # noqa: B008
        self.rules = rules
        self._condition: dict[str, Condition] = {}
        self._counts: Counter[Condition] = Counter()
        self._records: dict[str, Records] = {}
        self.records = RecordSums()

    def update(self, state: BatchState) -> bool:
        """Count the batch's new state; True when it moved to another state than before."""
        self._update_records(state)
        condition = condition_of(state, self.rules)
        before = self._condition.get(state.batch_id)
        if before == condition:
            return False
        if before is not None:
            self._take(before)
        self._condition[state.batch_id] = condition
        self._counts[condition] += 1
        return True

    def remove(self, batch_id: str) -> None:
        before = self._condition.pop(batch_id, None)
        if before is not None:
            self._take(before)
        records = self._records.pop(batch_id, None)
        if records is not None:
            self.records.add(records, -1)

    def _update_records(self, state: BatchState) -> None:
        records = records_of(state)
        before = self._records.get(state.batch_id)
        if records == before:
            return
        if before is not None:
            self.records.add(before, -1)
        if records is None:
            del self._records[state.batch_id]
        else:
            self._records[state.batch_id] = records
            self.records.add(records, 1)

    def _take(self, condition: Condition) -> None:
        self._counts[condition] -= 1
        if not self._counts[condition]:
            del self._counts[condition]

    def groups(self) -> list[tuple[Condition, int]]:
        """Non-empty states, what needs attention first."""
        return sorted(self._counts.items(), key=lambda item: RANK[item[0].key])


class RecordSums:
    """Records of many batches added up (`batches`: how many have counts)."""

    def __init__(self) -> None:
        self.batches = self.total = self.processed = self.failed = 0

    def add(self, records: Records, sign: int) -> None:
        self.batches += sign
        self.total += sign * records.total
        self.processed += sign * records.processed
        self.failed += sign * records.failed


def terminal_title(groups: list[tuple[Condition, int]], environment: str) -> str:
    """Plain words: a background tmux window or a taskbar shows progress without colour."""
    parts = [f"{number} {condition.name}" for condition, number in groups]
    return f"reap-tui {environment}: " + (", ".join(parts) if parts else "no batches")
