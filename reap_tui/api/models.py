"""The documented batch-status body, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class StatusKind(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (StatusKind.COMPLETED, StatusKind.FAILED)


# Reap's example code spells statuses in upper case and calls in_progress PROCESSING.
_SPELLINGS = {
    "pending": StatusKind.PENDING,
    "in_progress": StatusKind.IN_PROGRESS,
    "processing": StatusKind.IN_PROGRESS,
    "completed": StatusKind.COMPLETED,
    "failed": StatusKind.FAILED,
}


@dataclass(frozen=True)
class BatchStatusValue:
    """A status as normalized, with the server's spelling kept for an unknown value."""

    kind: StatusKind
    raw: str

    @classmethod
    def from_wire(cls, raw: str) -> BatchStatusValue:
        return cls(_SPELLINGS.get(raw.strip().lower(), StatusKind.UNKNOWN), raw)

    @property
    def text(self) -> str:
        """The documented lower-case spelling, or the raw text of an unknown status."""
        return self.raw if self.kind is StatusKind.UNKNOWN else self.kind.value


@dataclass(frozen=True)
class Summary:
    successful_records: int
    errors: tuple[Any, ...] = ()


@dataclass(frozen=True)
class BatchStatus:
    batch_id: str
    status: BatchStatusValue
    total_records: int
    processed_records: int
    failed_records: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    summary: Summary
    anomalies: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> StatusKind:
        return self.status.kind

    @property
    def successful_records(self) -> int:
        return self.summary.successful_records

    @property
    def queue_wait(self) -> float | None:
        """How long the batch sat as pending: startedAt - createdAt."""
        if self.started_at is None:
            return None
        return (self.started_at - self.created_at).total_seconds()

    def processing_time(self, now: float) -> float | None:
        """From startedAt to completedAt, or to `now` while it runs."""
        if self.started_at is None:
            return None
        return max(0.0, self._end(now) - self.started_at.timestamp())

    def total_time(self, now: float) -> float | None:
        """From createdAt to completedAt, or to `now` while it runs."""
        return max(0.0, self._end(now) - self.created_at.timestamp())

    def _end(self, now: float) -> float:
        return self.completed_at.timestamp() if self.completed_at else now


@dataclass(frozen=True)
class UploadReceipt:
    """What the upload endpoint answers: the new batch's id and what Reap says of it."""

    batch_id: str
    status: BatchStatusValue | None
    total_records: int | None
    message: str
    created_at: datetime | None


def find_anomalies(status: BatchStatus) -> tuple[str, ...]:
    """Counts that contradict each other or the documented meaning; kept, never fatal."""
    found: list[str] = []
    counts = {
        "totalRecords": status.total_records,
        "processedRecords": status.processed_records,
        "failedRecords": status.failed_records,
        "summary.successfulRecords": status.summary.successful_records,
    }
    found.extend(f"{name} is negative ({value})" for name, value in counts.items() if value < 0)
    if status.processed_records > status.total_records:
        found.append(
            f"processedRecords ({status.processed_records}) exceeds "
            f"totalRecords ({status.total_records})"
        )
    if status.failed_records > status.processed_records:
        found.append(
            f"failedRecords ({status.failed_records}) exceeds "
            f"processedRecords ({status.processed_records})"
        )
    successful = status.summary.successful_records
    if status.processed_records != successful + status.failed_records:
        found.append(
            f"processedRecords ({status.processed_records}) is not successful ({successful}) "
            f"+ failed ({status.failed_records})"
        )
    if status.kind is StatusKind.COMPLETED and status.processed_records != status.total_records:
        found.append(
            f"completed with {status.processed_records} of {status.total_records} records processed"
        )
    if status.kind is StatusKind.COMPLETED and status.started_at is None:
        found.append("completed without startedAt")
    if status.kind is StatusKind.UNKNOWN:
        found.append(f"unknown status value {status.status.raw!r}")
    return tuple(found)


def find_regressions(before: BatchStatus | None, after: BatchStatus) -> tuple[str, ...]:
    """What `after` contradicts in the status seen before it: a final status undone, or fewer
    records processed. Reap's batches only move forward, so either is the server's mistake."""
    if before is None:
        return ()
    found: list[str] = []
    if before.kind.is_final and after.kind is not before.kind:
        found.append(f"status went back from {before.status.text} to {after.status.text}")
    if after.processed_records < before.processed_records:
        found.append(
            f"processedRecords went down from {before.processed_records} "
            f"to {after.processed_records}"
        )
    return tuple(found)
