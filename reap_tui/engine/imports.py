"""An import's numbers, from the states of its batches and the clock's now: a pure function.

An import is a named group of batches in upload order. Reap's processor works through a
business's batches in that order at a shared ~7 records/s and picks pending batches up every
10 minutes, so an import of many batches runs for hours, its batches mostly waiting.

Throughput is the rate of the import's *sum* of processed records, measured over a long window
(an hour by default) ending at the latest observation. Each batch's processed count is a
piecewise-linear curve through its checks; the sum of those curves is what is measured. A long
window averages in the idle minutes between one batch's end and the next pickup, which a
short one would miss (it would see the processor's full speed and promise too early a finish);
and a batch that stops moving only lowers the sum's slope, it does not zero it. Until some
progress has been seen over `min_measured_span`, Reap's documented rate stands in.

The import is stalled when no batch of it has changed (status or processed count, as checks
saw it: `BatchState.last_change_at`) for `stall_after` while some batch is unfinished: the one
rule the engine's `ImportBook` flags stalls by (`stall_deadline`). Curves of processed counts
are `engine/import_curves.py`'s.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reap_tui.api.models import StatusKind
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.import_curves import curve_of, last_change, observed_at, throughput
from reap_tui.engine.state import BatchState, Phase

# Reap's example repo: the processor handles about 7 records/s, shared by a business's batches.
DEFAULT_RATE = 7.0


class BatchGroup(StrEnum):
    """Where a batch of an import stands, as counted on the import's row."""

    PENDING = "pending"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    COMPLETED_WITH_FAILURES = "completed with failures"
    FAILED = "failed"
    STOPPED = "stopped"
    """Not followed to its end: timed out, paused, stopped, waiting for a key, not found, or a
    status Reap does not document."""


class ImportState(StrEnum):
    WORKING = "working"
    STALLED = "stalled"
    FINISHED = "finished"
    FINISHED_WITH_FAILURES = "finished with failures"
    FAILED = "failed"


@dataclass(frozen=True)
class ImportRules:
    """The import's settings, in seconds and records per second."""

    stall_after: float = 900.0
    """No progress in any batch for this long: the import is stalled."""
    pickup_interval: float = 600.0
    """Reap picks pending batches up this often."""
    default_rate: float = DEFAULT_RATE
    throughput_window: float = 3600.0
    min_measured_span: float = 60.0

    def scaled(self, speed: float) -> ImportRules:
        """Durations divided and the rate multiplied by `speed` (a sandbox at `--speed`)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        return ImportRules(
            stall_after=self.stall_after / speed,
            pickup_interval=self.pickup_interval / speed,
            default_rate=self.default_rate * speed,
            throughput_window=self.throughput_window / speed,
            min_measured_span=self.min_measured_span / speed,
        )

    @classmethod
    def for_cadence(cls, cadence: CadenceConfig, speed: float = 1.0) -> ImportRules:
        """The rules at `speed` (a sandbox's; 1 against Reap) with the stall threshold of the
        cadence in force (`cadence.stall_after`, already scaled by the same speed)."""
        return dataclasses.replace(cls().scaled(speed), stall_after=cadence.stall_after)


@dataclass(frozen=True)
class BatchCounts:
    pending: int = 0
    in_progress: int = 0
    completed: int = 0
    completed_with_failures: int = 0
    failed: int = 0
    stopped: int = 0

    def of(self, group: BatchGroup) -> int:
        return int(getattr(self, _FIELD_OF_GROUP[group]))


_FIELD_OF_GROUP = {group: group.name.lower() for group in BatchGroup}


@dataclass(frozen=True)
class ImportNumbers:
    """An import at one moment. Times are clock seconds since the epoch; durations seconds.

    Record counts cover the batches whose totals are known (`unknown_batches` are not);
    `remaining_records` excludes batches that ended (a failed batch's unprocessed records
    will not be processed). `predicted_starts` has one entry per batch, in order: for a
    pending batch whose batches ahead are all known, when it should start; else None.
    """

    batches: int
    by_group: BatchCounts
    groups: tuple[BatchGroup, ...]
    total_records: int
    processed_records: int
    successful_records: int
    failed_records: int
    remaining_records: int
    unknown_batches: int
    failure_rate: float | None
    throughput: float
    throughput_measured: bool
    eta: float | None
    finish_at: float | None
    predicted_starts: tuple[float | None, ...]
    last_progress_at: float | None
    since_progress: float | None
    stalled: bool
    state: ImportState

    @property
    def percent_done(self) -> float | None:
        if self.total_records <= 0:
            return None
        return 100.0 * self.processed_records / self.total_records


def batch_group(state: BatchState) -> BatchGroup:
    status = state.status
    if state.phase is Phase.NOT_FOUND:
        return BatchGroup.STOPPED
    if status is not None and status.kind is StatusKind.COMPLETED:
        failed = status.failed_records > 0
        return BatchGroup.COMPLETED_WITH_FAILURES if failed else BatchGroup.COMPLETED
    if status is not None and status.kind is StatusKind.FAILED:
        return BatchGroup.FAILED
    if state.phase not in (Phase.WAITING_FIRST_CHECK, Phase.POLLING):
        return BatchGroup.STOPPED
    if status is None or status.kind is StatusKind.PENDING:
        return BatchGroup.PENDING
    if status.kind is StatusKind.IN_PROGRESS:
        return BatchGroup.IN_PROGRESS
    return BatchGroup.STOPPED


_ENDED = (BatchGroup.COMPLETED, BatchGroup.COMPLETED_WITH_FAILURES, BatchGroup.FAILED)


def _ended(state: BatchState, group: BatchGroup) -> bool:
    """Nothing more will be processed in this batch."""
    return group in _ENDED or state.phase is Phase.NOT_FOUND


def import_numbers(
    states: Sequence[BatchState],
    now: float,
    rules: ImportRules | None = None,
    *,
    planned_records: Mapping[str, int] | None = None,
) -> ImportNumbers:
    """The numbers of the import made of `states`, in upload order. `planned_records` gives the
    rows each batch was uploaded with (by batch id), used until its first status arrives."""
    rules = rules or ImportRules()
    planned = planned_records or {}
    groups = tuple(batch_group(state) for state in states)
    counts = BatchCounts(**{_FIELD_OF_GROUP[g]: n for g, n in Counter(groups).items()})
    records = [_records(state, planned.get(state.batch_id)) for state in states]
    remaining: list[int | None] = [
        0 if _ended(state, group) else (None if r is None else r.total - r.processed)
        for state, group, r in zip(states, groups, records, strict=True)
    ]
    known = [r for r in records if r is not None]
    total = sum(r.total for r in known)
    processed = sum(r.processed for r in known)
    failed = sum(r.failed for r in known)
    left = sum(n for n in remaining if n is not None)

    curves = [curve_of(state, rules.default_rate) for state in states]
    observed = max((t for s in states if (t := observed_at(s)) is not None), default=None)
    rate, measured = throughput(
        curves,
        observed,
        window=rules.throughput_window,
        min_span=rules.min_measured_span,
        default_rate=rules.default_rate,
    )

    ended = bool(states) and all(_ended(s, g) for s, g in zip(states, groups, strict=True))
    changes = [last_change(s, c) for s, c in zip(states, curves, strict=True)]
    last_progress = last_progress_at(states)
    since_progress = None if last_progress is None else max(0.0, now - last_progress)
    unfinished = any(not state.phase.is_done for state in states)
    deadline = stall_deadline(last_progress, unfinished, rules.stall_after)
    stalled = deadline is not None and now >= deadline
    start_from = observed if observed is not None else now
    schedule = (
        _schedule(states, groups, remaining, changes, rate, measured, start_from, now, rules)
        if rate > 0
        else None
    )

    unknown = sum(1 for n in remaining if n is None)
    eta: float | None = None
    finish_at: float | None = None
    if ended or (states and left == 0 and unknown == 0):
        eta = 0.0
        finish_at = max((t for t in changes if t is not None), default=now)
    elif schedule is not None and left > 0:
        eta = max(0.0, schedule.finish - now)
        finish_at = now + eta

    return ImportNumbers(
        batches=len(states),
        by_group=counts,
        groups=groups,
        total_records=total,
        processed_records=processed,
        successful_records=sum(r.successful for r in known),
        failed_records=failed,
        remaining_records=left,
        unknown_batches=unknown,
        failure_rate=None if processed <= 0 else failed / processed,
        throughput=rate,
        throughput_measured=measured,
        eta=eta,
        finish_at=finish_at,
        predicted_starts=schedule.starts if schedule else (None,) * len(states),
        last_progress_at=last_progress,
        since_progress=since_progress,
        stalled=stalled,
        state=_overall(states, groups, ended, stalled),
    )


def last_progress_at(states: Sequence[BatchState]) -> float | None:
    """When any of the batches last changed (status or processed count) as checks saw it;
    None before any check has answered."""
    return max((s.last_change_at for s in states if s.last_change_at is not None), default=None)


def stall_deadline(
    last_progress: float | None, unfinished: bool, stall_after: float
) -> float | None:
    """When an import becomes stalled if nothing changes meanwhile: `stall_after` past its last
    progress while any batch is unfinished (not completed, failed or not found); None while
    no check has answered, or when every batch has ended."""
    if last_progress is None or not unfinished:
        return None
    return last_progress + stall_after


@dataclass(frozen=True)
class Records:
    """A batch's record counts, clamped to add up."""

    total: int
    processed: int
    failed: int
    successful: int


def records_of(state: BatchState) -> Records | None:
    """A batch's counts, clamped so they add up even when the server's do not; None before its
    first status."""
    return _records(state, None)


def _records(state: BatchState, planned: int | None) -> Records | None:
    """A batch's counts (or the rows it was uploaded with, until its first status), clamped so
    they add up even when the server's do not."""
    status = state.status
    if status is None:
        return None if planned is None else Records(max(0, planned), 0, 0, 0)
    total = max(0, status.total_records)
    processed = min(max(0, status.processed_records), total)
    failed = min(max(0, status.failed_records), processed)
    successful = min(max(0, status.successful_records), processed - failed)
    return Records(total, processed, failed, successful)


@dataclass(frozen=True)
class _Schedule:
    starts: tuple[float | None, ...]
    finish: float


def _schedule(
    states: Sequence[BatchState],
    groups: Sequence[BatchGroup],
    remaining: Sequence[int | None],
    changes: Sequence[float | None],
    rate: float,
    measured: bool,
    start_from: float,
    now: float,
    rules: ImportRules,
) -> _Schedule:
    """The batches in order at the import's rate, from the latest observation: each pending batch
    starts when the records ahead of it are done, and nothing is predicted past a batch of
    unknown size. Until the rate is measured (a measured rate has Reap's pickup waits in it), a
    pending batch with nothing left ahead waits for the pickup after the processing went idle."""
    starts: list[float | None] = []
    cursor = start_from
    known = True
    idle_since: float | None = None
    unfinished_ahead = False
    for state, group, left, changed in zip(states, groups, remaining, changes, strict=True):
        if group is BatchGroup.PENDING and known:
            free = idle_since if idle_since is not None else _entered_at(state)
            if not (measured or unfinished_ahead or free is None):
                cursor = max(cursor, free + rules.pickup_interval)
            cursor = max(cursor, now)
            starts.append(cursor)
        else:
            starts.append(None)
        if left is None:
            known = False
        else:
            cursor += left / rate
        unfinished_ahead = unfinished_ahead or left != 0
        if left == 0 and changed is not None:
            idle_since = changed if idle_since is None else max(idle_since, changed)
    return _Schedule(tuple(starts), cursor)


def _entered_at(state: BatchState) -> float | None:
    return state.uploaded_at if state.uploaded_at is not None else state.first_check_at


def _overall(
    states: Sequence[BatchState], groups: Sequence[BatchGroup], ended: bool, stalled: bool
) -> ImportState:
    if not ended:
        return ImportState.STALLED if stalled else ImportState.WORKING
    if any(g is BatchGroup.FAILED for g in groups) or any(
        s.phase is Phase.NOT_FOUND for s in states
    ):
        return ImportState.FAILED
    if any(g is BatchGroup.COMPLETED_WITH_FAILURES for g in groups):
        return ImportState.FINISHED_WITH_FAILURES
    return ImportState.FINISHED
