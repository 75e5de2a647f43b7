"""A simulated import for the import numbers' tests: Reap's processor and the engine's checks.

The processor (independent of the sandbox's) works through one business's batches in upload
order at a shared rate and picks pending batches up on a fixed pickup tick. `pickup` says how:
"idle" takes the next batch only when none is in progress (so the processor idles until the
tick after each batch), "each" takes the next batch on every tick, "all" takes every pending
batch on every tick. Batches in progress share the rate equally. Checks follow the documented
cadence: first 60-120 s after upload, then every 30-60 s while in progress or next in line,
every 5 minutes while pending behind another pending batch, none after completion.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from reap_tui.api.models import BatchStatus, BatchStatusValue, StatusKind, Summary
from reap_tui.engine.state import (
    HISTORY_LIMIT,
    RECENT_CHECKS_LIMIT,
    BatchState,
    CheckRecord,
    Phase,
    Progress,
)

Pickup = Literal["idle", "each", "all"]

START = 1_759_923_600.0


def batch_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


def status_of(
    number: int,
    kind: StatusKind,
    total: int,
    processed: int = 0,
    failed: int = 0,
    *,
    created_at: float = START,
    updated_at: float | None = None,
    started_at: float | None = None,
    completed_at: float | None = None,
) -> BatchStatus:
    def stamp(at: float | None) -> datetime | None:
        return None if at is None else datetime.fromtimestamp(at, tz=UTC)

    created = stamp(created_at)
    assert created is not None
    return BatchStatus(
        batch_id=batch_id(number),
        status=BatchStatusValue.from_wire(kind.value),
        total_records=total,
        processed_records=processed,
        failed_records=failed,
        created_at=created,
        updated_at=stamp(updated_at if updated_at is not None else created_at) or created,
        started_at=stamp(started_at),
        completed_at=stamp(completed_at),
        summary=Summary(successful_records=processed - failed),
    )


@dataclass(frozen=True)
class Run:
    """When each batch was uploaded, started and finished, and its processed count over time."""

    sizes: tuple[int, ...]
    uploaded: tuple[float, ...]
    knots: tuple[tuple[tuple[float, float], ...], ...]

    @property
    def finished_at(self) -> float:
        return max(knots[-1][0] for knots in self.knots)

    def started(self, index: int) -> float | None:
        knots = self.knots[index]
        return knots[0][0] if knots else None

    def processed(self, index: int, at: float) -> int:
        knots = self.knots[index]
        if not knots or at < knots[0][0]:
            return 0
        i = bisect.bisect_right(knots, (at, float("inf")))
        if i == len(knots):
            return int(knots[-1][1])
        (t0, v0), (t1, v1) = knots[i - 1], knots[i]
        return int(v0 + (v1 - v0) * (at - t0) / (t1 - t0) + 1e-9)

    def kind(self, index: int, at: float) -> StatusKind:
        started = self.started(index)
        if started is None or at < started:
            return StatusKind.PENDING
        if at >= self.knots[index][-1][0]:
            return StatusKind.COMPLETED
        return StatusKind.IN_PROGRESS


def run_processor(
    sizes: Sequence[int],
    *,
    pickup: Pickup,
    rate: float = 7.0,
    pickup_every: float = 600.0,
    first_pickup: float = 300.0,
    upload_spacing: float = 2.0,
) -> Run:
    """Process `sizes` (uploaded `upload_spacing` apart from START); the first pickup tick falls
    `first_pickup` after START."""
    count = len(sizes)
    uploaded = [START + i * upload_spacing for i in range(count)]
    left = [float(s) for s in sizes]
    knots: list[list[tuple[float, float]]] = [[] for _ in sizes]
    running: list[int] = []
    waiting = list(range(count))
    now = START
    tick = START + first_pickup
    while running or waiting:
        if not running or tick <= now + min(left[i] for i in running) * len(running) / rate:
            step_to = tick
        else:
            step_to = now + min(left[i] for i in running) * len(running) / rate
        for i in running:
            left[i] = max(0.0, left[i] - (step_to - now) * rate / len(running))
            knots[i].append((step_to, sizes[i] - left[i]))
        now = step_to
        for i in [i for i in running if left[i] <= 1e-6]:
            running.remove(i)
        if now >= tick:
            ready = [i for i in waiting if uploaded[i] <= now]
            take = {"idle": ready[:1] if not running else [], "each": ready[:1], "all": ready}
            for i in take[pickup]:
                waiting.remove(i)
                running.append(i)
                knots[i].append((now, 0.0))
            tick += pickup_every
    return Run(tuple(sizes), tuple(uploaded), tuple(tuple(k) for k in knots))


@dataclass
class _Watch:
    next_at: float
    history: list[Progress]
    checks: list[CheckRecord]
    status: BatchStatus | None = None
    first_at: float | None = None
    last_at: float | None = None


class Watcher:
    """The engine's view of `run`, one check at a time."""

    def __init__(self, run: Run, *, seed: int = 0) -> None:
        self._run = run
        self._rng = random.Random(seed)
        self._watches = [_Watch(at + self._rng.uniform(60, 120), [], []) for at in run.uploaded]

    @property
    def seen_processed(self) -> int:
        return sum(w.status.processed_records for w in self._watches if w.status is not None)

    def step(self) -> float | None:
        """Make the next check; its time, or None when every batch is seen completed."""
        run, watches = self._run, self._watches
        i = min(range(len(watches)), key=lambda j: watches[j].next_at)
        w = watches[i]
        at = w.next_at
        if at == float("inf"):
            return None
        kind = run.kind(i, at)
        processed = run.processed(i, at)
        w.status = status_of(
            i,
            kind,
            run.sizes[i],
            processed,
            created_at=run.uploaded[i],
            started_at=run.started(i) if kind is not StatusKind.PENDING else None,
        )
        w.first_at = w.first_at if w.first_at is not None else at
        w.last_at = at
        w.checks = [*w.checks, CheckRecord(at, 200, kind.value)][-RECENT_CHECKS_LIMIT:]
        if kind is not StatusKind.PENDING:
            w.history = [*w.history, Progress(at, processed, 0)][-HISTORY_LIMIT:]
        if kind is StatusKind.COMPLETED:
            w.next_at = float("inf")
        else:
            ahead_pending = any(
                v.status is None or v.status.kind is StatusKind.PENDING for v in watches[:i]
            )
            busy = kind is StatusKind.IN_PROGRESS or not ahead_pending
            w.next_at = at + (self._rng.uniform(30, 60) if busy else 300.0)
        return at

    def states(self) -> list[BatchState]:
        return [self._state(i) for i in range(len(self._watches))]

    def _state(self, i: int) -> BatchState:
        w = self._watches[i]
        done = w.status is not None and w.status.kind is StatusKind.COMPLETED
        return BatchState(
            batch_id=batch_id(i),
            phase=Phase.COMPLETED if done else Phase.POLLING,
            status=w.status,
            checks_made=len(w.checks),
            first_check_at=w.first_at,
            last_checked_at=w.last_at,
            uploaded_at=self._run.uploaded[i],
            history=tuple(w.history),
            recent_checks=tuple(w.checks),
        )
