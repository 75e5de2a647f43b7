"""What a batch's numbers say: how fast it runs, when it will finish, how bad its failure rate is.

Throughput is measured on the batch's own clock: records processed from `startedAt` to
`updatedAt` (`completedAt` once finished), both the server's times, so it needs one answer, is
never 0 because two checks came close together, and at completion reads the rate the batch
actually ran at. The ETA is only for a batch that is moving: none for a stalled one or one
whose checks have stopped. Pure: no clock is read here.
"""

from __future__ import annotations

from reap_tui.api.models import StatusKind
from reap_tui.engine.state import BatchState
from reap_tui.vocabulary import IN_PROGRESS, Rules, Tone, condition_of


def rate(state: BatchState) -> float | None:
    """Records processed per second between `startedAt` and `updatedAt`/`completedAt`."""
    status = state.status
    if status is None or status.started_at is None:
        return None
    end = status.completed_at or status.updated_at
    elapsed = (end - status.started_at).total_seconds()
    if elapsed <= 0 or status.processed_records < 0:
        return None
    return status.processed_records / elapsed


def rate_per_minute(state: BatchState) -> float | None:
    per_second = rate(state)
    return None if per_second is None else per_second * 60.0


def finish_at(state: BatchState, rules: Rules = Rules()) -> float | None:  # noqa: B008
    """When every record should be processed (clock seconds): the records left at the rate so
    far, from the last check. None unless the batch is in progress and moving."""
    status = state.status
    per_second = rate(state)
    observed = state.last_checked_at
    if status is None or status.kind is not StatusKind.IN_PROGRESS or observed is None:
        return None
    if not per_second or condition_of(state, rules) is not IN_PROGRESS:
        return None
    remaining = max(0, status.total_records - status.processed_records)
    return observed + remaining / per_second


def eta(state: BatchState, now: float, rules: Rules = Rules()) -> float | None:  # noqa: B008
    """Seconds until every record is processed, or None (see `finish_at`)."""
    at = finish_at(state, rules)
    return None if at is None else max(0.0, at - now)


def failure_tone(share: float | None, rules: Rules = Rules()) -> Tone | None:  # noqa: B008
    """Red above `failure_red`, amber above `failure_amber`, else no colour (0.0% is none)."""
    if share is None:
        return None
    if share > rules.failure_red:
        return Tone.BAD
    if share > rules.failure_amber:
        return Tone.WARN
    return None
