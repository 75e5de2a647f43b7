"""Reap's background processor as the sandbox models it: one queue per business, pure over time.

Reap's docs and example repo describe a processor that picks pending batches up every 10 minutes
and works through them at a business-wide ~7 records/s shared by the batches in progress, so the
batches of a large import wait `pending` behind each other for hours. `Processor.state` answers
what any batch looks like at any clock time; it never reads a clock, so tests drive it with
whatever times they like.

The simulation is piecewise: between two events (a pickup tick that starts batches, a batch that
ends or stops moving) every batch in progress advances linearly, so each run keeps only the points
where its rate changed. Events are worked out lazily, up to the latest time asked about, and kept:
a later question costs a binary search, an earlier one too. Ticks that can start nothing (no
pending batch, or every place in progress taken) are skipped, not stepped through.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reap_tui.sandbox.faults import Fault, FaultPlan
from reap_tui.sandbox.script import (
    Outcome,
    StatusSpelling,
    check_batch,
    final_processed,
    render_status,
    spelled,
)

DEFAULT_BUSINESS_UUID = "5b0c7e0a-6f1d-4c2a-9e53-2f8d1c4b7a90"

Status = Literal["pending", "in_progress", "completed", "failed"]

# floor() of a sum of floats can land just under a whole number.
_EPSILON = 1e-9
# Clock times near 1.7e9 are exact to ~2e-7 s: batches ending closer together end as one event.
_SAME_MOMENT = 1e-6


@dataclass(frozen=True)
class ProcessorConfig:
    """How Reap's processor works through a business's batches. Durations are API seconds; the
    server's speed divides them.

    `max_in_progress` defaults to 4, the one limit that agrees with every figure Reap gives:

    - a 5,000-row batch alone takes 5,000 / 7 s = 11.9 min (FAQ: 1,000-5,000 rows, 10-20 min);
    - four sharing 7 records/s advance at 1.75/s each, so a 5,000-row batch that shares takes
      47.6 min (docs: 2-10 min per 1,000 records, up to 50 min for 5,000);
    - 20 batches of 5,000 rows uploaded together run in five rounds of four: a round ends after
      47.6 min, the next starts at the following tick (50 min after the last), so the import ends
      4 x 50 + 47.6 = 247.6 min after the first pickup, 4.1-4.3 h after the upload (FAQ: about
      four hours), and 16 of the 20 wait `pending` at first (FAQ: most of them pending behind
      the others). Limits of 1, 2 or 3 take 6.5-6.7 h, 4.9-5.1 h and 4.4-4.6 h; 5 takes 4.0-4.2 h
      but an hour per shared batch, and 20 would leave nothing pending.
    """

    pickup_interval: float = 600.0
    rate: float = 7.0
    """Records per API second for the whole business, shared equally by the batches moving."""
    max_in_progress: int = 4
    pickup_origin: float = 0.0
    """Clock time of one pickup tick; the others are every `pickup_interval / speed` before and
    after it. The default puts them on the clock's whole 10 minutes at speed 1, like a schedule."""
    upload_fail_share: float = 0.0
    """The share of records that fail in a batch created by an upload."""

    def __post_init__(self) -> None:
        if not (self.pickup_interval > 0 and math.isfinite(self.pickup_interval)):
            raise ValueError("pickup_interval must be a positive number")
        if not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError("rate must be a positive number")
        if self.max_in_progress < 1:
            raise ValueError("max_in_progress must be at least 1")
        if not math.isfinite(self.pickup_origin):
            raise ValueError("pickup_origin must be a number")
        if not 0.0 <= self.upload_fail_share <= 1.0:
            raise ValueError("upload_fail_share must be between 0 and 1")


@dataclass(frozen=True)
class QueuedBatch:
    """A batch the processor runs: it waits its turn in its business's queue, in upload order,
    and is picked up at the first tick after its upload when a place in progress is free."""

    batch_id: str
    total_records: int = 5000
    created_at: float | None = None
    """Clock time of the upload (the server answers 404 before it); None: the clock's now when
    the batch is added to a server."""
    business_uuid: str = DEFAULT_BUSINESS_UUID
    fail_share: float = 0.0
    outcome: Outcome = "completed"
    fail_at: float = 0.5
    """With outcome "failed": the share of total_records processed when the batch fails."""
    stall_at: float | None = None
    """The share of total_records after which the batch stops moving: it stays `in_progress`
    for good, keeps its place among the batches in progress and takes no share of the rate."""
    status_spelling: StatusSpelling = "lower"
    summary_errors: Sequence[str | Mapping[str, Any]] = ()
    faults: Mapping[int, Fault] = field(default_factory=dict)
    fault_cycle: tuple[Fault | None, ...] = ()

    def __post_init__(self) -> None:
        check_batch(self)
        if self.stall_at is not None and not 0.0 <= self.stall_at <= 1.0:
            raise ValueError("stall_at must be between 0 and 1")

    @property
    def fault_plan(self) -> FaultPlan:
        return FaultPlan(self.faults, self.fault_cycle)

    @property
    def final_processed(self) -> int:
        return final_processed(self.total_records, self.outcome, self.fail_at)

    @property
    def stall_records(self) -> int | None:
        """Where the batch stops moving, or None if it reaches its end first."""
        if self.stall_at is None:
            return None
        records = math.floor(self.stall_at * self.total_records + _EPSILON)
        return records if records <= self.final_processed else None


@dataclass(frozen=True)
class RunState:
    """A queued batch at one moment, as the batch-status page documents it (clock times)."""

    status: Status
    processed: int
    created_at: float
    updated_at: float
    started_at: float | None
    completed_at: float | None


class _Run:
    """One batch's path through the queue: when it started and how its progress grew."""

    def __init__(self, batch: QueuedBatch, order: int) -> None:
        assert batch.created_at is not None
        self.batch = batch
        self.created_at = batch.created_at
        self.order = order
        stall = batch.stall_records
        self.limit = batch.final_processed if stall is None else stall
        self.stalls = stall is not None
        self.reset()

    def reset(self) -> None:
        self.started_at: float | None = None
        self.ended_at: float | None = None
        # From times[i] on, progress is progress[i] + rates[i] * (t - times[i]) (clock seconds).
        self.times: list[float] = []
        self.progress: list[float] = []
        self.rates: list[float] = []

    def start(self, at: float) -> None:
        self.started_at = at
        self.times, self.progress, self.rates = [at], [0.0], [0.0]

    def progress_at(self, at: float) -> float:
        i = bisect.bisect_right(self.times, at) - 1
        return min(self.progress[i] + self.rates[i] * (at - self.times[i]), float(self.limit))

    def set_rate(self, at: float, rate: float) -> None:
        """From `at` on, progress grows by `rate` records per clock second (0: it has stopped)."""
        now = self.progress_at(at)
        if self.times[-1] == at:
            self.progress[-1], self.rates[-1] = now, rate
        else:
            self.times.append(at)
            self.progress.append(now)
            self.rates.append(rate)

    def end_time(self) -> float:
        """When the current rate brings the batch to its limit."""
        return self.times[-1] + (self.limit - self.progress[-1]) / self.rates[-1]

    def reached_at(self, records: int, at: float) -> float:
        """When progress first reached `records`, given that it had by clock time `at`."""
        last = bisect.bisect_right(self.times, at) - 1
        k = bisect.bisect_left(self.progress, records, hi=last + 1)
        if k <= last and self.progress[k] == records:
            reached = self.times[k]
        else:
            j = k - 1
            reached = self.times[j] + (records - self.progress[j]) / self.rates[j]
        return min(reached, at)

    def state_at(self, at: float) -> RunState:
        created = self.created_at
        if self.started_at is None or at < self.started_at:
            return RunState("pending", 0, created, created, None, None)
        if self.ended_at is not None and at >= self.ended_at:
            ended = self.ended_at
            return RunState(self.batch.outcome, self.limit, created, ended, self.started_at, ended)
        processed = min(math.floor(self.progress_at(at) + _EPSILON), self.limit)
        updated = self.reached_at(processed, at)
        return RunState("in_progress", processed, created, updated, self.started_at, None)


class BusinessQueue:
    """One business's batches in upload order and the processor's work through them."""

    def __init__(self, config: ProcessorConfig, speed: float) -> None:
        self._config = config
        self._period = config.pickup_interval / speed
        self._clock_rate = config.rate * speed
        self._runs: list[_Run] = []
        self._added = 0
        self._restart()

    def _restart(self) -> None:
        for run in self._runs:
            run.reset()
        self._next_pending = 0
        self._moving: list[_Run] = []
        self._held = 0
        self._now = -math.inf
        """Every event up to here has been worked out."""
        self._last_pickup = -math.inf

    def add(self, batch: QueuedBatch) -> _Run:
        run = _Run(batch, self._added)
        self._added += 1
        if not self._runs or self._runs[-1].created_at <= run.created_at:
            self._runs.append(run)
        else:
            keys = [(each.created_at, each.order) for each in self._runs]
            self._runs.insert(bisect.bisect_right(keys, (run.created_at, run.order)), run)
        if run.created_at < self._now:
            # Uploaded before a moment already worked out: a pickup since may have started it,
            # so the queue's history is worked out again (lazily) with it in its place.
            self._restart()
        return run

    def state(self, run: _Run, at: float) -> RunState:
        self._advance(at)
        return run.state_at(at)

    def _advance(self, until: float) -> None:
        while True:
            event = self._next_event()
            if event is None or event > until:
                break
            self._handle(event)
        self._now = max(self._now, until)

    def _next_event(self) -> float | None:
        ends = [run.end_time() for run in self._moving]
        pickup = self._next_pickup()
        times = [*ends, *([] if pickup is None else [pickup])]
        return min(times) if times else None

    def _next_pickup(self) -> float | None:
        """The next tick that starts a batch: the first after the next pending batch's upload
        and after the last pickup, not before now, with a place in progress free."""
        if self._next_pending >= len(self._runs) or self._held >= self._config.max_in_progress:
            return None
        uploaded = self._runs[self._next_pending].created_at
        return max(
            self._tick(uploaded, strictly_after=True),
            self._tick(self._last_pickup, strictly_after=True),
            self._tick(self._now, strictly_after=False),
        )

    def _tick(self, at: float, *, strictly_after: bool) -> float:
        """The first tick after `at` (or at it), exactly as the other ticks are computed."""
        if at == -math.inf:
            return -math.inf
        origin, period = self._config.pickup_origin, self._period

        def too_early(tick: float) -> bool:
            return tick <= at if strictly_after else tick < at

        index = math.floor((at - origin) / period)
        while too_early(origin + index * period):
            index += 1
        while not too_early(origin + (index - 1) * period):
            index -= 1
        return origin + index * period

    def _handle(self, at: float) -> None:
        moving = len(self._moving)
        for run in [run for run in self._moving if run.end_time() <= at + _SAME_MOMENT]:
            self._stop(run, at)
        if self._next_pickup() == at:
            self._last_pickup = at
            self._pick_up(at)
        if len(self._moving) != moving or any(run.times[-1] == at for run in self._moving):
            share = self._clock_rate / len(self._moving) if self._moving else 0.0
            for run in self._moving:
                run.set_rate(at, share)
        self._now = at

    def _pick_up(self, at: float) -> None:
        limit = self._config.max_in_progress
        while self._held < limit and self._next_pending < len(self._runs):
            run = self._runs[self._next_pending]
            if run.created_at >= at:
                break
            self._next_pending += 1
            run.start(at)
            self._held += 1
            self._moving.append(run)
            if run.limit == 0:
                self._stop(run, at)

    def _stop(self, run: _Run, at: float) -> None:
        """The run reached its limit: it ends (its place is free at once) or stops moving."""
        run.set_rate(at, 0.0)
        run.progress[-1] = float(run.limit)
        self._moving.remove(run)
        if not run.stalls:
            run.ended_at = at
            self._held -= 1


class Processor:
    """Every business's queue; `state` answers for any queued batch at any clock time."""

    def __init__(self, config: ProcessorConfig, speed: float) -> None:
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError("speed must be a positive number")
        self.config = config
        self.speed = speed
        self._queues: dict[str, BusinessQueue] = {}
        self._runs: dict[str, tuple[BusinessQueue, _Run]] = {}

    def add(self, batch: QueuedBatch) -> None:
        """Queue `batch` (its `created_at` set) behind the batches its business uploaded before."""
        if batch.created_at is None:
            raise ValueError("the batch has no created_at yet")
        if batch.batch_id in self._runs:
            raise ValueError(f"batch {batch.batch_id} is already queued")
        business = batch.business_uuid.lower()
        queue = self._queues.setdefault(business, BusinessQueue(self.config, self.speed))
        self._runs[batch.batch_id] = (queue, queue.add(batch))

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self._runs

    def batch(self, batch_id: str) -> QueuedBatch:
        return self._runs[batch_id][1].batch

    def state(self, batch_id: str, at: float) -> RunState:
        queue, run = self._runs[batch_id]
        return queue.state(run, at)

    def status_document(self, batch_id: str, at: float) -> dict[str, Any]:
        """The batch-status body (camelCase, as documented) of a queued batch at clock time `at`."""
        batch = self.batch(batch_id)
        state = self.state(batch_id, at)
        return render_status(
            batch_id=batch.batch_id,
            status=spelled(state.status, batch.status_spelling),
            total_records=batch.total_records,
            processed=state.processed,
            fail_share=batch.fail_share,
            created_at=state.created_at,
            updated_at=state.updated_at,
            started_at=state.started_at,
            completed_at=state.completed_at,
            summary_errors=batch.summary_errors,
        )
