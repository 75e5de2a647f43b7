"""What one check's answer does to a batch's state: pure, so the poller only decides when."""

from __future__ import annotations

import dataclasses

from reap_tui.api.client import CheckResult
from reap_tui.api.models import BatchStatus, StatusKind, find_regressions
from reap_tui.engine.state import (
    HISTORY_LIMIT,
    RECENT_CHECKS_LIMIT,
    BatchState,
    CheckRecord,
    Phase,
    Progress,
)


def recorded(state: BatchState, result: CheckResult, *, manual: bool) -> BatchState:
    """`state` after `result`: its status (with any regression from the last one noted as an
    anomaly) or its failure, the progress history, when it last changed, and the check itself."""
    now = result.finished_at
    if state.first_check_at is None or state.phase is Phase.WAITING_FIRST_CHECK:
        state = dataclasses.replace(state, first_check_at=result.started_at)
    status = result.status
    if status is not None:
        regressions = find_regressions(state.status, status)
        if regressions:
            status = dataclasses.replace(status, anomalies=status.anomalies + regressions)
        progress = state.history
        if status.kind is not StatusKind.PENDING:
            progress = (
                *progress,
                Progress(now, status.processed_records, status.failed_records),
            )[-HISTORY_LIMIT:]
        changed = state.last_change_at is None or moved(state.status, status)
        state = dataclasses.replace(
            state,
            status=status,
            failure=None,
            history=progress,
            last_change_at=result.started_at if changed else state.last_change_at,
        )
        outcome = status.status.text
    else:
        assert result.failure is not None
        state = dataclasses.replace(state, failure=result.failure)
        outcome = result.failure.headline
    record = CheckRecord(result.started_at, result.http_status, outcome, manual)
    return dataclasses.replace(
        state,
        checks_made=state.checks_made + 1,
        last_checked_at=now,
        recent_checks=(*state.recent_checks, record)[-RECENT_CHECKS_LIMIT:],
        checking=False,
    )


def moved(before: BatchStatus | None, after: BatchStatus) -> bool:
    """A change the 30-minute window restarts on: the status, or the processed count."""
    return (
        before is None
        or before.kind is not after.kind
        or before.processed_records != after.processed_records
    )
