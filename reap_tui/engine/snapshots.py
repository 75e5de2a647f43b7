"""Between the engine's `BatchState` and the watch list's saved `Snapshot`, both ways."""

from __future__ import annotations

import dataclasses

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary, find_anomalies
from reap_tui.engine.state import BatchState, Phase
from reap_tui.store.model import Entry, Snapshot

# Stopped for a reason a restart may have cured (a new key, a new run): check again.
_RESTART_AS_NEW = (Phase.AUTH_REQUIRED, Phase.STOPPED, Phase.POLLING)


def snapshot_of(state: BatchState) -> Snapshot:
    status = state.status
    if status is None:
        return Snapshot(phase=state.phase, checked_at=state.last_checked_at)
    return Snapshot(
        phase=state.phase,
        status=status.status.text,
        total_records=status.total_records,
        processed_records=status.processed_records,
        failed_records=status.failed_records,
        successful_records=status.successful_records,
        created_at=status.created_at,
        updated_at=status.updated_at,
        started_at=status.started_at,
        completed_at=status.completed_at,
        checked_at=state.last_checked_at,
    )


def _status_of(batch_id: str, snapshot: Snapshot) -> BatchStatus | None:
    if (
        snapshot.status is None
        or snapshot.total_records is None
        or snapshot.processed_records is None
        or snapshot.failed_records is None
        or snapshot.created_at is None
        or snapshot.updated_at is None
    ):
        return None
    status = BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire(snapshot.status),
        total_records=snapshot.total_records,
        processed_records=snapshot.processed_records,
        failed_records=snapshot.failed_records,
        created_at=snapshot.created_at,
        updated_at=snapshot.updated_at,
        started_at=snapshot.started_at,
        completed_at=snapshot.completed_at,
        summary=Summary(successful_records=snapshot.successful_records or 0),
    )
    return dataclasses.replace(status, anomalies=find_anomalies(status))


def initial_state(entry: Entry) -> BatchState:
    """What to show for a saved batch before the first request, and where its poller starts.

    A finished batch stays finished (no request is made); a paused or timed-out one stays so
    until the user resumes it; anything else is checked afresh.
    """
    snapshot = entry.snapshot
    if snapshot is None:
        return BatchState(batch_id=entry.batch_id, label=entry.label, uploaded_at=entry.uploaded_at)
    phase = Phase.WAITING_FIRST_CHECK if snapshot.phase in _RESTART_AS_NEW else snapshot.phase
    return BatchState(
        batch_id=entry.batch_id,
        label=entry.label,
        phase=phase,
        status=_status_of(entry.batch_id, snapshot),
        last_checked_at=snapshot.checked_at,
        uploaded_at=entry.uploaded_at,
    )
