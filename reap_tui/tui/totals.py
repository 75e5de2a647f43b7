"""The header's count of what is on screen: batches by state, and their records, of the batches
the table shows (those matching the filter, an import's folded batches included).

States are the vocabulary's, judged by the rules in force, so the header counts under a name
exactly what the filter finds under it. Records are each batch's counts clamped to add up (as
an import's numbers are): an anomalous answer does not make the totals impossible too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState
from reap_tui.tui.cells import failure_style
from reap_tui.tui.counts import RecordSums, StatusCounts
from reap_tui.vocabulary import Condition, Rules

Summary = tuple[list[tuple[Condition, int]], Text | None]


def shown_summary(states: Sequence[BatchState], rules: Rules) -> Summary:
    """These batches by state, and their records (`totals_text`)."""
    counts = StatusCounts(rules)
    for state in states:
        counts.update(state)
    return counts.groups(), totals_text(counts.records, rules)


def totals_text(sums: RecordSums, rules: Rules) -> Text | None:
    """`12,345/60,000 records · 456 failed`, or None before any batch has counts; the failed
    count coloured as a failure rate of that share is."""
    if not sums.batches:
        return None
    processed, failed = sums.processed, sums.failed
    text = Text(f"{fmt.count(processed)}/{fmt.count(sums.total)} records", style="bold")
    if failed:
        text.append(" · ")
        style = failure_style(failed / processed if processed else None, rules, bold=True)
        text.append(f"{fmt.count(failed)} failed", style=style)
    return text


class ShownSummary:
    """The header's counts by state and records of the rows shown, computed again only when
    states were applied or the rows changed (else a pass over every batch each second)."""

    def __init__(self) -> None:
        self._kept: tuple[int, list[str], Rules, Summary] | None = None

    def of(
        self,
        applied: int,
        shown_ids: list[str],
        *,
        filtered: bool,
        states: Mapping[str, BatchState],
        counts: StatusCounts,
        rules: Rules,
    ) -> Summary:
        """`applied`: how many flushes applied changes so far; `shown_ids` is replaced, not
        changed, when the rows change; `counts` (by state and records) is of every batch, kept
        as states change, and used when no filter is on."""
        kept = self._kept
        if kept is not None and kept[0] == applied and kept[1] is shown_ids and kept[2] is rules:
            return kept[3]
        if filtered:
            shown = [states[b] for b in shown_ids if b in states]
            summary = shown_summary(shown, rules)
        else:
            summary = counts.groups(), totals_text(counts.records, rules)
        self._kept = (applied, shown_ids, rules, summary)
        return summary
