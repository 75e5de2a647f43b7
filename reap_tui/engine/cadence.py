"""The documented polling cadence as a pure policy: what happened + now -> when to check next.

From Reap's batch-status page: first check 1-2 minutes after upload; every 30-60 s while
pending or in progress; stop at completed/failed; give up after 30 minutes. The 30 minutes run
from the batch's last observed change, so only what has stopped moving is given up on. Inside
an import (batches Reap processes one after another), a pending batch not next in line is
checked at the slow rate, and so is every batch of an import that has stalled. Everything here
is a function of its arguments (the random source included), so it can be tested exhaustively.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass

from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import BatchStatus, StatusKind
from reap_tui.engine.state import Phase

# Aim a check this long after a predicted completion, so it is seen as done.
COMPLETION_MARGIN = 2.0


@dataclass(frozen=True)
class CadenceConfig:
    """Every duration of the cadence, in seconds: the `[polling]` settings. The defaults are the
    cadence documented on the batch-status page."""

    first_check_min: float = 60.0
    first_check_max: float = 120.0
    interval_min: float = 30.0
    interval_max: float = 60.0
    window: float = 1800.0
    backoff_base: float = 30.0
    backoff_cap: float = 300.0
    not_found_recheck: float = 60.0
    # A batch uploaded less than this long ago may not be visible yet: one 404 is forgiven.
    recent_upload: float = 120.0
    # The slow rate: a pending batch behind others of its import (Reap picks pending batches
    # up every 10 minutes), and every batch of a stalled import.
    pending_interval: float = 300.0
    # An import with no change in any of its batches for this long is stalled.
    stall_after: float = 900.0
    # An in-progress batch whose processed count has not moved for this long is shown stalled.
    batch_stall_after: float = 600.0

    def scaled(self, speed: float) -> CadenceConfig:
        """Every duration divided by `speed` (demos and tests against a loopback sandbox)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        return CadenceConfig(
            **{f.name: getattr(self, f.name) / speed for f in dataclasses.fields(self)}
        )


@dataclass(frozen=True)
class Decision:
    """Check again at `at`, in `phase`; or, when `at` is None, stop in `phase` for `reason`.
    `slow`: `at` is on the slow rate, and may be brought forward if the import moves on."""

    phase: Phase
    at: float | None
    reason: str = ""
    slow: bool = False


@dataclass(frozen=True)
class ImportFacts:
    """What the policy needs to know of the import a batch belongs to."""

    last_progress_at: float | None
    """When any batch of the import last changed (status or processed count)."""
    next_in_line: bool
    """No batch ahead of this one in the import is still waiting to start."""
    stalled: bool


@dataclass(frozen=True)
class History:
    """What the policy needs to know of a batch's past checks."""

    first_check_at: float
    uploaded_at: float | None
    consecutive_failures: int
    not_found_rechecks: int
    throughput: float | None
    last_change_at: float | None = None
    """When the batch's status or processed count last changed, as checks saw it."""
    pending: bool = False
    """The batch was last seen pending."""
    in_import: ImportFacts | None = None


def first_check(
    now: float, uploaded_at: float | None, config: CadenceConfig, rng: random.Random
) -> Decision:
    """A just-uploaded batch waits 60-120 s (jittered); an id added by hand is checked at once."""
    if uploaded_at is not None and now - uploaded_at < config.first_check_max:
        at = uploaded_at + rng.uniform(config.first_check_min, config.first_check_max)
        return Decision(Phase.WAITING_FIRST_CHECK, max(now, at))
    return Decision(Phase.WAITING_FIRST_CHECK, now)


def after_status(
    status: BatchStatus, now: float, history: History, config: CadenceConfig, rng: random.Random
) -> Decision:
    if status.kind is StatusKind.COMPLETED:
        return Decision(Phase.COMPLETED, None, "completed")
    if status.kind is StatusKind.FAILED:
        return Decision(Phase.FAILED, None, "batch failed")
    if on_slow_rate(status.kind, history.in_import):
        at = now + slow_interval(config, rng)
        decision = _within_window(at, now + config.interval_min, history, config)
        return dataclasses.replace(decision, slow=decision.at == at)
    predicted = None
    if status.kind is StatusKind.IN_PROGRESS:
        predicted = _predicted_completion(status, now, history.throughput)
    if predicted is None and status.kind is StatusKind.IN_PROGRESS:
        at = now + rng.uniform(config.interval_min, config.interval_max)
    elif predicted is not None and predicted + COMPLETION_MARGIN <= now + config.interval_max:
        # Done before the next check would come anyway: look just after it finishes.
        at = max(now + config.interval_min, predicted + COMPLETION_MARGIN)
    else:
        # Pending (Reap's processor picks batches up every 10 minutes) or far from done:
        # nothing will be missed by checking at the long end, and it saves requests.
        at = now + rng.uniform(_long_end(config), config.interval_max)
    return _within_window(at, now + config.interval_min, history, config)


def _long_end(config: CadenceConfig) -> float:
    return config.interval_max - (config.interval_max - config.interval_min) / 4


def after_failure(
    failure: ApiFailure, now: float, history: History, config: CadenceConfig, rng: random.Random
) -> Decision:
    if failure.kind is FailureKind.AUTH:
        return Decision(Phase.AUTH_REQUIRED, None, failure.title)
    if failure.kind is FailureKind.NOT_FOUND:
        uploaded_recently = (
            history.uploaded_at is not None and now - history.uploaded_at < config.recent_upload
        )
        if uploaded_recently and history.not_found_rechecks == 0:
            at = now + config.not_found_recheck
            return _within_window(at, at, history, config)
        return Decision(Phase.NOT_FOUND, None, failure.title)
    if failure.kind is FailureKind.CLIENT_ERROR:
        return Decision(Phase.STOPPED, None, failure.headline)
    at = now + backoff_delay(failure, history.consecutive_failures, config, rng)
    earliest = now + max(config.interval_min, failure.retry_after or 0.0)
    return _within_window(at, earliest, history, config)


def backoff_delay(
    failure: ApiFailure, consecutive_failures: int, config: CadenceConfig, rng: random.Random
) -> float:
    """Full jitter (AWS, "Exponential Backoff And Jitter"), floored at the polling minimum and
    at the server's Retry-After."""
    exponent = max(0, consecutive_failures - 1)
    ceiling = min(config.backoff_cap, config.backoff_base * 2.0 ** min(exponent, 30))
    delay = max(config.interval_min, rng.uniform(0.0, ceiling))
    if failure.retry_after is not None:
        delay = max(delay, failure.retry_after)
    return delay


def on_slow_rate(kind: StatusKind | None, facts: ImportFacts | None) -> bool:
    """Every batch of a stalled import, and a pending batch behind others of its import."""
    if facts is None:
        return False
    return facts.stalled or (kind is StatusKind.PENDING and not facts.next_in_line)


def slow_interval(config: CadenceConfig, rng: random.Random) -> float:
    """The slow rate, jittered upwards only: never sooner than `pending_interval`."""
    return rng.uniform(config.pending_interval, config.pending_interval * 1.2)


def window_start(history: History) -> float:
    """The window runs from the first check of this window, or from the batch's last change,
    or, for a batch pending behind others of its import, from the import's last change."""
    start = history.first_check_at
    if history.last_change_at is not None:
        start = max(start, history.last_change_at)
    facts = history.in_import
    if history.pending and facts is not None and facts.last_progress_at is not None:
        start = max(start, facts.last_progress_at)
    return start


def window_end(history: History, config: CadenceConfig) -> float:
    """No automatic check after this; never, for a batch of a stalled import (those go on at
    the slow rate until the user pauses them)."""
    if history.in_import is not None and history.in_import.stalled:
        return math.inf
    return window_start(history) + config.window


def hurried(
    next_at: float,
    last_checked_at: float,
    kind: StatusKind | None,
    facts: ImportFacts | None,
    now: float,
    config: CadenceConfig,
    rng: random.Random,
) -> float | None:
    """For a batch waiting on the slow rate: if it is now due the documented one (it became
    next in line, or its import moved again), the sooner check; else None to keep `next_at`."""
    if on_slow_rate(kind, facts):
        return None
    at = max(now, last_checked_at + rng.uniform(_long_end(config), config.interval_max))
    return at if at < next_at else None


def _within_window(at: float, earliest: float, history: History, config: CadenceConfig) -> Decision:
    """`at` if it falls inside the window; else the window's end if that is no sooner than
    `earliest` (the soonest the rules allow); else the batch has timed out."""
    end = window_end(history, config)
    if at <= end:
        return Decision(Phase.POLLING, at)
    if end >= earliest:
        # One last look right at the end of the window rather than none at all.
        return Decision(Phase.POLLING, end)
    return Decision(Phase.TIMED_OUT, None, timed_out_reason(config))


def timed_out_reason(config: CadenceConfig) -> str:
    return f"no change in {config.window / 60:g} min"


def _predicted_completion(
    status: BatchStatus, now: float, throughput: float | None
) -> float | None:
    """When every record should be processed, from the throughput seen across checks or,
    before there are two checks, from the server's own startedAt/updatedAt (no clock skew)."""
    throughput = throughput or _server_throughput(status)
    if not throughput or throughput <= 0:
        return None
    remaining = status.total_records - status.processed_records
    if remaining <= 0:
        return now
    return now + remaining / throughput


def _server_throughput(status: BatchStatus) -> float | None:
    if status.started_at is None or status.processed_records <= 0:
        return None
    elapsed = (status.updated_at - status.started_at).total_seconds()
    return status.processed_records / elapsed if elapsed > 0 else None
