"""A scripted batch and its status at a given clock time: a pure function, easy to test.

Scripted durations are API seconds; the server's speed divides them, so at speed 60 a 300 s
queue wait lasts 5 s of clock time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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
        if not is_batch_id(self.batch_id):
            raise ValueError(f"batch_id {self.batch_id!r} is not a UUID")
        if self.total_records < 0 or self.queue_wait < 0:
            raise ValueError("total_records and queue_wait must not be negative")
        if not self.rate > 0:
            raise ValueError("rate must be positive")
        if not (0.0 <= self.fail_share <= 1.0 and 0.0 <= self.fail_at <= 1.0):
            raise ValueError("fail_share and fail_at must be between 0 and 1")
        if self.outcome not in ("completed", "failed"):
            raise ValueError(f"outcome {self.outcome!r} is not 'completed' or 'failed'")
        if self.status_spelling not in _SPELLINGS:
            raise ValueError(f"status_spelling {self.status_spelling!r} is not one of {_SPELLINGS}")

    @property
    def fault_plan(self) -> FaultPlan:
        return FaultPlan(self.faults, self.fault_cycle)

    @property
    def final_processed(self) -> int:
        if self.outcome == "failed":
            return math.floor(self.fail_at * self.total_records + _EPSILON)
        return self.total_records


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
    failed = math.floor(processed * batch.fail_share + _EPSILON)
    return {
        "batchId": batch.batch_id,
        "status": _SPELLINGS[batch.status_spelling][state],
        "totalRecords": batch.total_records,
        "processedRecords": processed,
        "failedRecords": failed,
        "createdAt": iso_timestamp(timeline.created_at),
        "updatedAt": iso_timestamp(updated_at),
        "startedAt": None if started_at is None else iso_timestamp(started_at),
        "completedAt": None if completed_at is None else iso_timestamp(completed_at),
        "summary": {
            "successfulRecords": processed - failed,
            "errors": [
                error if isinstance(error, str) else dict(error) for error in batch.summary_errors
            ],
        },
    }
