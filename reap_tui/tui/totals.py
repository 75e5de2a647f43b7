"""The header's count of what is on screen: batches by state, and their records, of the batches
the table shows (those matching the filter, an import's folded batches included)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState
from reap_tui.tui.counts import Group, StatusCounts


def shown_counts(states: Sequence[BatchState]) -> list[tuple[Group, int]]:
    counts = StatusCounts()
    for state in states:
        counts.update(state)
    return counts.groups()


def shown_totals(states: Sequence[BatchState]) -> Text | None:
    """`12,345/60,000 records · 456 failed`, or None before any batch has counts."""
    statuses = [state.status for state in states if state.status is not None]
    if not statuses:
        return None
    total = sum(max(0, status.total_records) for status in statuses)
    processed = sum(max(0, status.processed_records) for status in statuses)
    failed = sum(max(0, status.failed_records) for status in statuses)
    text = Text(f"{fmt.count(processed)}/{fmt.count(total)} records", style="bold")
    if failed:
        text.append(" · ")
        text.append(f"{fmt.count(failed)} failed", style="bold red")
    return text
