"""An import's processed records over time, from its batches' check histories: pure functions.

Each batch's processed count is a piecewise-linear curve through its checks; the import's
throughput is the slope of the *sum* of those curves over a window (see `engine/imports.py`).

Progress a batch made before its first non-pending check is spread back from that check at the
slope of its history, else at the batch's own rate as the server reports it (processed over
`updatedAt - startedAt`: a duration, so no clock skew), else at the documented rate; never
before the last check that saw it pending; a history cut short at HISTORY_LIMIT bounds the
window instead. A batch only ever seen finished (added to the import after the fact) adds to
the totals but not to the measurement.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from reap_tui.api.models import StatusKind
from reap_tui.engine.state import HISTORY_LIMIT, BatchState

# A check's outcome when it found the batch pending (the status's documented spelling).
_PENDING = StatusKind.PENDING.value


@dataclass(frozen=True)
class Curve:
    """A batch's processed count over time: linear between the (time, processed) knots, flat
    before the first and after the last. `known_from` is where a history cut short begins."""

    knots: tuple[tuple[float, float], ...]
    known_from: float = float("-inf")

    @property
    def rises(self) -> bool:
        return len(self.knots) >= 2 and self.knots[-1][1] > self.knots[0][1]


def curve_of(state: BatchState, default_rate: float) -> Curve:
    knots = tuple((p.at, float(p.processed)) for p in state.history)
    if not knots or knots[0][1] <= 0:
        return Curve(knots)
    first_at, first = knots[0]
    if len(state.history) >= HISTORY_LIMIT:
        return Curve(knots, known_from=first_at)
    seen_pending = [c.at for c in state.recent_checks if c.at <= first_at and c.outcome == _PENDING]
    if len(knots) == 1 and not seen_pending and state.status and state.status.kind.is_final:
        return Curve(knots)  # only ever seen finished: not watched working
    last_at, last = knots[-1]
    slope = (last - first) / (last_at - first_at) if last_at > first_at else 0.0
    if slope <= 0:
        slope = _server_rate(state) or default_rate
    began = first_at - first / slope
    if seen_pending:
        began = max(began, max(seen_pending))
    return Curve(((began, 0.0), *knots))


def _server_rate(state: BatchState) -> float | None:
    """Records per second from the server's own times (an in-progress batch only: a finished
    one's `updatedAt` may be long after its end)."""
    status = state.status
    if status is None or status.kind is not StatusKind.IN_PROGRESS or status.started_at is None:
        return None
    elapsed = (status.updated_at - status.started_at).total_seconds()
    return status.processed_records / elapsed if elapsed > 0 else None


def value_at(curve: Curve, at: float) -> float:
    knots = curve.knots
    index = bisect.bisect_right(knots, (at, float("inf")))
    if index == 0:
        return knots[0][1]
    if index == len(knots):
        return knots[-1][1]
    (t0, v0), (t1, v1) = knots[index - 1], knots[index]
    return v0 + (v1 - v0) * (at - t0) / (t1 - t0) if t1 > t0 else v1


def observed_at(state: BatchState) -> float | None:
    """When the batch's counts were last seen."""
    times = [state.history[-1].at] if state.history else []
    if state.status is not None and state.failure is None and state.last_checked_at is not None:
        times.append(state.last_checked_at)
    return max(times, default=None)


def throughput(
    curves: Sequence[Curve],
    observed: float | None,
    *,
    window: float,
    min_span: float,
    default_rate: float,
) -> tuple[float, bool]:
    """Records per second of the sum of `curves` over the `window` ending at `observed`, and
    whether it was measured (else `default_rate`, until `min_span` of rising history)."""
    rising = [c for c in curves if c.rises]
    if observed is None or not rising:
        return default_rate, False
    start = max(
        min(c.knots[0][0] for c in rising),
        observed - window,
        *(c.known_from for c in curves),
    )
    span = observed - start
    if span < min_span:
        return default_rate, False
    done = sum(value_at(c, observed) - value_at(c, start) for c in curves if c.knots)
    return max(0.0, done / span), True


def last_change(state: BatchState, curve: Curve) -> float | None:
    """When the batch was last seen moving: when a check first saw its status or count as it is
    now (`last_change_at`), or, for a state that does not say (restored from a snapshot), the
    first check at its latest count; a batch with no history counts from its last check if it
    had started."""
    if state.last_change_at is not None:
        return state.last_change_at
    knots = curve.knots
    if knots:
        return next(at for at, value in knots if value >= knots[-1][1])
    status = state.status
    if status is None or status.kind in (StatusKind.PENDING, StatusKind.UNKNOWN):
        return None
    return state.last_checked_at


def rate_series(
    states: Sequence[BatchState], end: float, span: float, buckets: int, default_rate: float
) -> list[float]:
    """The import's throughput (records per second) in `buckets` equal slices of the `span`
    ending at `end`, oldest first: what a sparkline of it draws."""
    if buckets <= 0 or span <= 0:
        return []
    curves = [c for c in (curve_of(s, default_rate) for s in states) if c.knots]
    step = span / buckets
    edges = [end - span + step * index for index in range(buckets + 1)]
    totals = [sum(value_at(c, at) for c in curves) for at in edges]
    return [max(0.0, (later - earlier) / step) for earlier, later in itertools.pairwise(totals)]
