"""What the engine knows about one watched batch at a moment: an immutable snapshot.

The dashboard and the headless printer render these; they never look inside a poller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reap_tui.api.errors import ApiFailure
from reap_tui.api.models import BatchStatus, StatusKind

HISTORY_LIMIT = 120
RECENT_CHECKS_LIMIT = 20
# Throughput is measured over this much recent history, so a stall shows quickly.
THROUGHPUT_WINDOW = 300.0


class Phase(StrEnum):
    WAITING_FIRST_CHECK = "waiting first check"
    POLLING = "polling"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    NOT_FOUND = "not found"
    AUTH_REQUIRED = "auth required"
    STOPPED = "stopped"

    @property
    def is_final(self) -> bool:
        """No more automatic checks will happen without the user acting."""
        return self not in (Phase.WAITING_FIRST_CHECK, Phase.POLLING)

    @property
    def is_done(self) -> bool:
        """The batch itself has reached an end: nothing will ever change."""
        return self in (Phase.COMPLETED, Phase.FAILED, Phase.NOT_FOUND)


# Slotted: a batch keeps up to HISTORY_LIMIT + RECENT_CHECKS_LIMIT of these, and a thousand
# batches watched for hours hold over a hundred thousand (with a __dict__ each, three times
# the memory).
@dataclass(frozen=True, slots=True)
class Progress:
    at: float
    processed: int
    failed: int


@dataclass(frozen=True, slots=True)
class CheckRecord:
    at: float
    http_status: int | None
    outcome: str
    manual: bool = False


@dataclass(frozen=True)
class BatchState:
    batch_id: str
    label: str = ""
    phase: Phase = Phase.WAITING_FIRST_CHECK
    status: BatchStatus | None = None
    failure: ApiFailure | None = None
    next_check_at: float | None = None
    checks_made: int = 0
    first_check_at: float | None = None
    last_checked_at: float | None = None
    uploaded_at: float | None = None
    # Tuples, or (restored from the state database) `packed.Packed` sequences.
    history: Sequence[Progress] = ()
    recent_checks: Sequence[CheckRecord] = ()
    stop_reason: str = ""
    checking: bool = False
    """A request for this batch has its slot and is out (one waiting its turn is not)."""
    last_change_at: float | None = None
    """When a check first saw the status or processed count it has now: the 30-minute window
    runs from here."""

    @property
    def status_kind(self) -> StatusKind | None:
        return self.status.kind if self.status else None

    @property
    def percent_done(self) -> float | None:
        status = self.status
        if status is None or status.total_records <= 0:
            return None
        return max(0.0, min(100.0, 100.0 * status.processed_records / status.total_records))

    @property
    def failure_rate(self) -> float | None:
        """Failed records as a share of processed ones, 0..1."""
        status = self.status
        if status is None or status.processed_records <= 0:
            return None
        return max(0.0, min(1.0, status.failed_records / status.processed_records))

    @property
    def throughput(self) -> float | None:
        """Records processed per second over the recent history, or None before two points."""
        history = self.history
        if len(history) < 2:
            return None
        latest = history[-1]
        # Points are in check order: the window is read back from the end, so only its few
        # points are read (a restored history makes each point it reads).
        first = history[-2]
        for index in range(len(history) - 2, -1, -1):
            point = history[index]
            if latest.at - point.at > THROUGHPUT_WINDOW:
                break
            first = point
        elapsed = latest.at - first.at
        if elapsed <= 0:
            return None
        return max(0.0, (latest.processed - first.processed) / elapsed)

    @property
    def throughput_per_minute(self) -> float | None:
        rate = self.throughput
        return None if rate is None else rate * 60.0

    def eta(self, now: float) -> float | None:
        """Seconds until every record is processed, from the observed throughput."""
        status = self.status
        rate = self.throughput
        if status is None or status.kind is not StatusKind.IN_PROGRESS or not rate:
            return None
        remaining = max(0, status.total_records - status.processed_records)
        observed_at = self.history[-1].at
        return max(0.0, observed_at + remaining / rate - now)

    @property
    def queue_wait(self) -> float | None:
        """How long the batch sat as pending: startedAt - createdAt."""
        return self.status.queue_wait if self.status else None

    def processing_time(self, now: float) -> float | None:
        return self.status.processing_time(now) if self.status else None

    def total_time(self, now: float) -> float | None:
        return self.status.total_time(now) if self.status else None
