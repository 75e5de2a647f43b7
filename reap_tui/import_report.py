"""An import's numbers in words for people and as JSON for scripts: what `status --import` and
`watch --import` print, and the words the dashboard's import row, pane and notifications use.

Durations in these texts come from the rules in force (under `--speed` a stall is not "15 min").
Names are the user's own text: cleaned here before they reach a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reap_tui import format as fmt
from reap_tui import vocabulary
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.imports import BatchCounts, BatchGroup, ImportNumbers, ImportRules, ImportState
from reap_tui.report import iso_timestamp
from reap_tui.text import clean

NAME_LIMIT = 40

# A group of an import's batches in the words of the batch states it stands for.
GROUP_WORDS: dict[BatchGroup, str] = {
    BatchGroup.IN_PROGRESS: vocabulary.IN_PROGRESS.name,
    BatchGroup.PENDING: vocabulary.PENDING.name,
    BatchGroup.COMPLETED: vocabulary.COMPLETED.name,
    BatchGroup.COMPLETED_WITH_FAILURES: vocabulary.WITH_FAILURES.name,
    BatchGroup.FAILED: vocabulary.FAILED.name,
    BatchGroup.STOPPED: "not followed (timed out, paused, stopped or not found)",
}

# camelCase keys of `byStatus`, in the order scripts see them.
_GROUP_KEYS: dict[BatchGroup, str] = {
    BatchGroup.PENDING: "pending",
    BatchGroup.IN_PROGRESS: "inProgress",
    BatchGroup.COMPLETED: "completed",
    BatchGroup.COMPLETED_WITH_FAILURES: "completedWithFailures",
    BatchGroup.FAILED: "failed",
    BatchGroup.STOPPED: "stopped",
}


def quoted(name: str) -> str:
    """`'March'`: the name cleaned and bounded, in the quotes every text uses."""
    return f"'{clean(name, limit=NAME_LIMIT)}'"


def span_words(seconds: float) -> str:
    """A threshold or a wait as a reader says it: `15 min`, `45 s`, `1h 30m`."""
    whole = round(seconds)
    if whole < 60:
        return f"{max(whole, 0)} s"
    if whole % 3600 == 0:
        return f"{whole // 3600} h"
    if whole % 60 == 0 and whole < 3600:
        return f"{whole // 60} min"
    return fmt.duration(seconds)


def groups_text(counts: BatchCounts) -> str:
    """`1 in progress, 8 pending, 3 completed`: the non-empty groups, what moves first."""
    shown = [f"{counts.of(g)} {words}" for g, words in GROUP_WORDS.items() if counts.of(g)]
    return ", ".join(shown) or "none"


def records_text(numbers: ImportNumbers) -> str:
    """`23,456 of 60,000 records processed (39.1%), 456 failed (1.9%)`."""
    text = f"{numbers.processed_records:,} of {numbers.total_records:,} records processed"
    if numbers.percent_done is not None:
        text += f" ({numbers.percent_done:.1f}%)"
    text += f", {numbers.failed_records:,} failed"
    if numbers.failure_rate:
        text += f" ({numbers.failure_rate * 100:.1f}%)"
    if numbers.unknown_batches:
        text += f"; {numbers.unknown_batches} batch(es) not answered yet, not counted"
    return text


def throughput_text(numbers: ImportNumbers, rules: ImportRules) -> str:
    rate = fmt.rate(numbers.throughput * 60)
    if numbers.throughput_measured:
        return f"{rate} (measured over the last {span_words(rules.throughput_window)})"
    return f"{rate} (Reap's documented rate, until measured)"


def finished_text(name: str, numbers: ImportNumbers) -> str:
    """`import 'March' finished: 59,412 of 60,000 records, 588 failed`."""
    words = {
        ImportState.FAILED: "ended with failed batches",
        ImportState.FINISHED_WITH_FAILURES: "finished",
    }.get(numbers.state, "finished")
    text = (
        f"import {quoted(name)} {words}: {numbers.successful_records:,} of "
        f"{numbers.total_records:,} records"
    )
    if numbers.failed_records:
        text += f", {numbers.failed_records:,} failed"
    failed_batches = numbers.by_group.failed + numbers.by_group.stopped
    if failed_batches:
        text += f"; {failed_batches} batch(es) failed or not found"
    return text


def stalled_text(name: str, rules: ImportRules) -> str:
    """`import 'March' stalled: no progress for 15 min`."""
    return f"import {quoted(name)} stalled: no progress for {span_words(rules.stall_after)}"


def stall_words(numbers: ImportNumbers, rules: ImportRules) -> str:
    """`no progress for 25 min (stalled after 15 min)`."""
    since = span_words(numbers.since_progress or 0.0)
    return f"no progress for {since} (stalled after {span_words(rules.stall_after)})"


def stall_advice(numbers: ImportNumbers, rules: ImportRules, cadence: CadenceConfig) -> str:
    """What a stalled import means and what to do, in the durations in force."""
    counts = numbers.by_group
    waiting = counts.pending + counts.in_progress
    text = (
        f"Reap picks pending batches up every {span_words(rules.pickup_interval)}, so this is "
        "longer than a normal wait: check Reap's status page, and contact Reap support if a "
        "batch stays pending or stuck."
    )
    if waiting:
        text += (
            f" Its {waiting} unfinished batch(es) are still checked every "
            f"{span_words(cadence.pending_interval)} until you pause them (space on its row)."
        )
    if counts.stopped:
        text += (
            f" {counts.stopped} batch(es) are no longer checked (timed out, paused or stopped):"
            " R on its row checks them again."
        )
    return text


def import_json(
    name: str, numbers: ImportNumbers, batch_ids: Sequence[str], *, unsent_chunks: int = 0
) -> dict[str, Any]:
    """The import's numbers for scripts: the keys of `status --import --json`."""
    return {
        "import": name,
        "state": numbers.state.value,
        "batches": numbers.batches,
        "byStatus": {key: numbers.by_group.of(group) for group, key in _GROUP_KEYS.items()},
        "totalRecords": numbers.total_records,
        "processedRecords": numbers.processed_records,
        "successfulRecords": numbers.successful_records,
        "failedRecords": numbers.failed_records,
        "failureRate": numbers.failure_rate,
        "throughputPerSecond": round(numbers.throughput, 3),
        "throughputMeasured": numbers.throughput_measured,
        "etaSeconds": None if numbers.eta is None else round(numbers.eta),
        "finishAt": iso_timestamp(numbers.finish_at),
        "lastProgressAt": iso_timestamp(numbers.last_progress_at),
        "stalled": numbers.stalled,
        "unknownBatches": numbers.unknown_batches,
        "unsentChunks": unsent_chunks,
        "batchIds": list(batch_ids),
    }


def import_line(name: str, numbers: ImportNumbers, now: float) -> str:
    """One line of `watch --import`: the import's state, records, rate and ETA."""
    words = numbers.state.value
    parts = [
        fmt.clock_time(now, utc=False),
        f"import {quoted(name)}",
        words,
        f"{numbers.processed_records:,}/{numbers.total_records:,}",
    ]
    if numbers.failed_records:
        parts.append(f"{numbers.failed_records:,} failed")
    parts.append(groups_text(numbers.by_group))
    if numbers.eta and not numbers.stalled:
        parts.append(f"{fmt.rate(numbers.throughput * 60)}  ETA {fmt.duration(numbers.eta)}")
    return "  ".join(parts)


def import_lines(
    name: str,
    numbers: ImportNumbers,
    now: float,
    *,
    rules: ImportRules,
    cadence: CadenceConfig,
    rows: Sequence[str],
) -> list[str]:
    """`status --import`: the numbers, then each batch in upload order (`rows`, one per batch
    or chunk, already written)."""
    words = numbers.state.value
    lines = [
        f"import {quoted(name)}: {words}",
        f"  batches     {numbers.batches}: {groups_text(numbers.by_group)}",
        f"  records     {records_text(numbers)}",
        f"  throughput  {throughput_text(numbers, rules)}",
    ]
    if numbers.eta is not None and numbers.finish_at is not None and not numbers.stalled:
        when = fmt.absolute(numbers.finish_at, utc=False)
        left = "finished" if numbers.eta == 0 else f"ETA {fmt.duration(numbers.eta)}"
        lines.append(f"  finish      {left}, {when}")
    if numbers.last_progress_at is not None:
        lines.append(f"  last change {fmt.ago(numbers.last_progress_at, now)}")
    if numbers.stalled:
        advice = stall_advice(numbers, rules, cadence)
        lines.append(f"  STALLED     {stall_words(numbers, rules)}. {advice}")
    lines.append("  batches in upload order:")
    lines.extend(f"    {row}" for row in rows)
    return lines
