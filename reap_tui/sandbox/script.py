"""A scripted batch and its status at a given clock time: a pure function, easy to test.

Scripted durations are API seconds; the server's speed divides them, so at speed 60 a 300 s
queue wait lasts 5 s of clock time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from reap_tui.api.ids import is_batch_id
from reap_tui.sandbox.faults import Fault, FaultPlan
from reap_tui.sandbox.wire import iso_timestamp

Outcome = Literal["completed", "failed"]
StatusSpelling = Literal["lower", "upper", "processing"]

_SPELLINGS: dict[StatusSpelling, dict[str, str]] = {
    "lower": {s: s for s in ("pending", "in_progress", "completed", "failed")},
    "upper": {s: s.upper() for s in ("pending", "in_progress", "completed", "failed")},
    "processing": {
        "pending": "PENDING",
        "in_progress": "PROCESSING",
        "completed": "COMPLETED",
        "failed": "FAILED",
    },
}

# floor() of a product of floats can land just under a whole number (0.1 * 30 = 2.9999...).
_EPSILON = 1e-9


@dataclass(frozen=True)
class ScriptedBatch:
    batch_id: str
    total_records: int = 100
    created_at: float | None = None
    """Clock time of the upload; None: the clock's now when the batch is added to a server."""
    queue_wait: float = 0.0
    rate: float = 7.0
    """Records per API second while processing."""
    fail_share: float = 0.0
    outcome: Outcome = "completed"
    fail_at: float = 0.5
    """With outcome "failed": the share of total_records processed when the batch fails."""
    status_spelling: StatusSpelling = "lower"
    summary_errors: Sequence[str | Mapping[str, Any]] = ()
    exists_from: float | None = None
    """Clock time before which the id answers 404 (a batch not visible yet)."""
    faults: Mapping[int, Fault] = field(default_factory=dict)
    fault_cycle: tuple[Fault | None, ...] = ()

    def __post_init__(self) -> None:
        check_batch(self)
        if self.queue_wait < 0:
            raise ValueError("queue_wait must not be negative")
        if not self.rate > 0:
            raise ValueError("rate must be positive")

    @property
    def fault_plan(self) -> FaultPlan:
        return FaultPlan(self.faults, self.fault_cycle)

    @property
    def final_processed(self) -> int:
        return final_processed(self.total_records, self.outcome, self.fail_at)


class BatchOptions(Protocol):
    """What a scripted and a queued batch share, checked the same way."""

    @property
    def batch_id(self) -> str: ...
    @property
    def total_records(self) -> int: ...
    @property
    def fail_share(self) -> float: ...
    @property
    def outcome(self) -> Outcome: ...
    @property
    def fail_at(self) -> float: ...
    @property
    def status_spelling(self) -> StatusSpelling: ...


def check_batch(batch: BatchOptions) -> None:
    """ValueError naming the first impossible option of a batch's script."""
    if not is_batch_id(batch.batch_id):
        raise ValueError(f"batch_id {batch.batch_id!r} is not a UUID")
    if batch.total_records < 0:
        raise ValueError("total_records must not be negative")
    if not (0.0 <= batch.fail_share <= 1.0 and 0.0 <= batch.fail_at <= 1.0):
        raise ValueError("fail_share and fail_at must be between 0 and 1")
    if batch.outcome not in ("completed", "failed"):
        raise ValueError(f"outcome {batch.outcome!r} is not 'completed' or 'failed'")
    if batch.status_spelling not in _SPELLINGS:
        raise ValueError(f"status_spelling {batch.status_spelling!r} is not one of {_SPELLINGS}")


def final_processed(total_records: int, outcome: Outcome, fail_at: float) -> int:
    """The processed count a batch ends with: all of it, or the `fail_at` share when it fails."""
    if outcome == "failed":
        return math.floor(fail_at * total_records + _EPSILON)
    return total_records


@dataclass(frozen=True)
class BatchTimeline:
    """When a scripted batch starts and ends, in clock time, at a given speed."""

    created_at: float
    started_at: float
    ended_at: float

    @classmethod
    def of(cls, batch: ScriptedBatch, speed: float) -> BatchTimeline:
        if batch.created_at is None:
            raise ValueError("the batch has no created_at yet")
        started = batch.created_at + batch.queue_wait / speed
        return cls(batch.created_at, started, started + batch.final_processed / batch.rate / speed)


def status_document(batch: ScriptedBatch, now: float, speed: float) -> dict[str, Any]:
    """The batch-status body (camelCase, as documented) of `batch` at clock time `now`."""
    timeline = BatchTimeline.of(batch, speed)
    started_at: float | None = None
    completed_at: float | None = None
    if now < timeline.started_at:
        state, processed, updated_at = "pending", 0, timeline.created_at
    elif now < timeline.ended_at:
        state = "in_progress"
        started_at = timeline.started_at
        elapsed = (now - timeline.started_at) * speed
        processed = min(math.floor(batch.rate * elapsed + _EPSILON), batch.final_processed)
        updated_at = timeline.started_at + processed / batch.rate / speed
    else:
        state = batch.outcome
        processed = batch.final_processed
        started_at = timeline.started_at
        completed_at = updated_at = timeline.ended_at
    return render_status(
        batch_id=batch.batch_id,
        status=spelled(state, batch.status_spelling),
        total_records=batch.total_records,
        processed=processed,
        fail_share=batch.fail_share,
        created_at=timeline.created_at,
        updated_at=updated_at,
        started_at=started_at,
        completed_at=completed_at,
        summary_errors=batch.summary_errors,
    )


def spelled(state: str, spelling: StatusSpelling) -> str:
    """A documented status (`pending`, `in_progress`, ...) as a batch of `spelling` sends it."""
    return _SPELLINGS[spelling][state]


def failed_records(processed: int, fail_share: float) -> int:
    """How many of `processed` records failed: a fixed share, rounded down, never random."""
    return math.floor(processed * fail_share + _EPSILON)


def render_status(
    *,
    batch_id: str,
    status: str,
    total_records: int,
    processed: int,
    fail_share: float,
    created_at: float,
    updated_at: float,
    started_at: float | None,
    completed_at: float | None,
    summary_errors: Sequence[str | Mapping[str, Any]],
) -> dict[str, Any]:
    """The documented batch-status body; `status` as it goes on the wire."""
    failed = failed_records(processed, fail_share)
    return {
        "batchId": batch_id,
        "status": status,
        "totalRecords": total_records,
        "processedRecords": processed,
        "failedRecords": failed,
        "createdAt": iso_timestamp(created_at),
        "updatedAt": iso_timestamp(updated_at),
        "startedAt": None if started_at is None else iso_timestamp(started_at),
        "completedAt": None if completed_at is None else iso_timestamp(completed_at),
        "summary": {
            "successfulRecords": processed - failed,
            "errors": [
                error if isinstance(error, str) else dict(error) for error in summary_errors
            ],
        },
    }
