"""Between the engine's `BatchState` and its saved record (a JSON object), both ways.

A record is what the state database keeps of a batch: the last answer (counts, times,
`summary.errors` up to ERRORS_LIMIT items, anomalies), the failure the error pane shows, the
progress history throughput is measured over, the recent checks, and the bookkeeping of
checks. Format 1 (absent values are omitted; times of the server are ISO 8601 text as the
server's offset had them, times of this program are clock seconds)::

    {"format": 1, "phase": "polling", "checkedAt": 1759923660.0,
     "status": "in_progress", "totalRecords": 19, "processedRecords": 7, "failedRecords": 1,
     "successfulRecords": 6, "createdAt": "2025-10-08T11:39:58+00:00", "updatedAt": ...,
     "startedAt": ..., "completedAt": ..., "errors": [...], "anomalies": ["..."],
     "failure": {"kind": "server error", "title": ..., "meaning": ..., "action": ...,
                 "httpStatus": 500, "code": ..., "message": ..., "parameter": ...,
                 "contentType": ..., "bodyExcerpt": ..., "retryAfter": ..., "detail": ...},
     "firstCheckAt": ..., "checksMade": 3, "stopReason": "...",
     "history": {"at": [...], "processed": [...], "failed": [...]},
     "checks": {"at": [...], "httpStatus": [...], "outcome": [...], "manual": [...]}}

(History and checks are kept as columns: at 10,000 batches they are most of what start-up
reads, and a column is checked at C speed.)

Reading is strict and never raises: a record that is not format 1 or has a field of the
wrong type or size (old, hand-made, hostile) is no record at all. Keys it does not know are
ignored, so a later version may add fields; a field added to `BatchState` is saved by adding
it here (see `_CLOCK_TIMES` for the simple case).
"""

from __future__ import annotations

import dataclasses
import sys
from array import array
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary, find_anomalies
from reap_tui.engine.json_reader import (
    TEXT_LIMIT,
    Reader,
    Unreadable,
    columns,
    finite_all,
    typed,
)
from reap_tui.engine.packed import Packed
from reap_tui.engine.state import (
    HISTORY_LIMIT,
    RECENT_CHECKS_LIMIT,
    BatchState,
    CheckRecord,
    Phase,
    Progress,
)
from reap_tui.store.model import Entry, Snapshot

RECORD_FORMAT = 1
ERRORS_LIMIT = 1000  # summary.errors items kept of an answer
ANOMALIES_LIMIT = 100

# Stopped for a reason a restart may have cured (a new key, a new run): check again.
_RESTART_AS_NEW = (Phase.AUTH_REQUIRED, Phase.STOPPED, Phase.POLLING)
# Clock times of the state saved as they are: record key -> BatchState field.
_CLOCK_TIMES = {"firstCheckAt": "first_check_at"}
_COUNTS = {
    "totalRecords": "total_records",
    "processedRecords": "processed_records",
    "failedRecords": "failed_records",
    "successfulRecords": "successful_records",
}
_SERVER_TIMES = {
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "startedAt": "started_at",
    "completedAt": "completed_at",
}
_FAILURE_TEXTS = {
    "code": "code",
    "message": "message",
    "parameter": "parameter",
    "contentType": "content_type",
}


# -- BatchState -> record ---------------------------------------------------------------------


def snapshot_of(state: BatchState) -> Snapshot:
    """The few fields `reap-tui list` shows of a state."""
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


def record_of(state: BatchState) -> dict[str, Any]:
    """Everything worth keeping of `state` across a restart, as a JSON-able dict."""
    record = record_of_snapshot(snapshot_of(state))
    status = state.status
    if status is not None:
        if status.summary.errors:
            record["errors"] = list(status.summary.errors[:ERRORS_LIMIT])
        if status.anomalies:
            record["anomalies"] = list(status.anomalies[:ANOMALIES_LIMIT])
    if state.failure is not None:
        record["failure"] = _failure_record(state.failure)
    for key, name in _CLOCK_TIMES.items():
        if (value := getattr(state, name)) is not None:
            record[key] = value
    if state.checks_made:
        record["checksMade"] = state.checks_made
    if state.stop_reason:
        record["stopReason"] = state.stop_reason
    if state.history:
        history = state.history
        record["history"] = {
            "at": [p.at for p in history],
            "processed": [p.processed for p in history],
            "failed": [p.failed for p in history],
        }
    if state.recent_checks:
        checks = state.recent_checks
        record["checks"] = {
            "at": [c.at for c in checks],
            "httpStatus": [c.http_status for c in checks],
            "outcome": [c.outcome for c in checks],
            "manual": [c.manual for c in checks],
        }
    return record


# The fields of a BatchState that `record_of` reads: keep the two in step.
_RECORDED = (
    "phase",
    "status",
    "failure",
    "last_checked_at",
    "checks_made",
    "stop_reason",
    "history",
    "recent_checks",
    *_CLOCK_TIMES.values(),
)


def same_record(state: BatchState, other: BatchState) -> bool:
    """Whether `record_of` gives the same record for both, told without making either (cheap
    when, as for a state the engine republished, the fields hold the same objects)."""
    for name in _RECORDED:
        mine, theirs = getattr(state, name), getattr(other, name)
        if mine is not theirs and mine != theirs:
            return False
    return True


def record_of_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot of an old watch list as a record, field for field (a partial one stays so)."""
    record: dict[str, Any] = {"format": RECORD_FORMAT, "phase": snapshot.phase.value}
    if snapshot.checked_at is not None:
        record["checkedAt"] = snapshot.checked_at
    if snapshot.status is not None:
        record["status"] = snapshot.status
    for key, name in _COUNTS.items():
        if (count := getattr(snapshot, name)) is not None:
            record[key] = count
    for key, name in _SERVER_TIMES.items():
        if (moment := getattr(snapshot, name)) is not None:
            # A naive time from the server is taken as UTC, as the API documents its times.
            record[key] = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    return record


def _failure_record(failure: ApiFailure) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": failure.kind.value,
        "title": failure.title,
        "meaning": failure.meaning,
        "action": failure.action,
    }
    if failure.http_status is not None:
        record["httpStatus"] = failure.http_status
    for key, name in _FAILURE_TEXTS.items():
        if (text := getattr(failure, name)) is not None:
            record[key] = text
    if failure.body_excerpt:
        record["bodyExcerpt"] = failure.body_excerpt
    if failure.retry_after is not None:
        record["retryAfter"] = failure.retry_after
    if failure.detail:
        record["detail"] = failure.detail
    return record


# -- record -> BatchState ---------------------------------------------------------------------


def last_known(record: object) -> Snapshot | None:
    """The fields `reap-tui list` shows of a record, or None for a record it cannot read."""
    try:
        return _snapshot(Reader(record))
    except Unreadable:
        return None


def saved_state(batch_id: str, record: object) -> BatchState | None:
    """The state a record holds, exactly as it was saved, or None for a record it cannot read."""
    try:
        reader = Reader(record)
        snapshot = _snapshot(reader)
        failure = reader.get("failure", dict)
        clock_times: dict[str, Any] = {
            name: reader.number(key) for key, name in _CLOCK_TIMES.items()
        }
        return BatchState(
            batch_id=batch_id,
            phase=snapshot.phase,
            status=_status_of(batch_id, snapshot, reader),
            failure=None if failure is None else _failure(Reader(failure)),
            checks_made=reader.count("checksMade", minimum=0) or 0,
            last_checked_at=snapshot.checked_at,
            history=_history(reader.get("history", dict)),
            recent_checks=_checks(reader.get("checks", dict)),
            stop_reason=reader.text("stopReason") or "",
            **clock_times,
        )
    except Unreadable:
        return None


def initial_state(entry: Entry, record: object = None) -> BatchState:
    """What to show for a watched batch before the first request, and where its poller starts:
    from its saved record, else the snapshot of an old watch list, else nothing.

    A finished batch stays finished (no request is made); a paused or timed-out one stays so
    until the user resumes it; anything else is checked afresh, in a window of its own. The
    label and upload time are the watch list's.
    """
    saved = None if record is None else saved_state(entry.batch_id, record)
    if saved is None and entry.snapshot is not None:
        snapshot = entry.snapshot
        saved = BatchState(
            batch_id=entry.batch_id,
            phase=snapshot.phase,
            status=_status_of(entry.batch_id, snapshot, None),
            last_checked_at=snapshot.checked_at,
        )
    if saved is None:
        return BatchState(batch_id=entry.batch_id, label=entry.label, uploaded_at=entry.uploaded_at)
    changes: dict[str, Any] = {
        "label": entry.label,
        "uploaded_at": entry.uploaded_at,
        "next_check_at": None,
    }
    if saved.phase in _RESTART_AS_NEW or saved.phase is Phase.WAITING_FIRST_CHECK:
        changes.update(phase=Phase.WAITING_FIRST_CHECK, first_check_at=None, stop_reason="")
    return dataclasses.replace(saved, **changes)


def _snapshot(reader: Reader) -> Snapshot:
    if reader.get("format", int) != RECORD_FORMAT:
        raise Unreadable
    fields: dict[str, Any] = {name: reader.count(key) for key, name in _COUNTS.items()}
    fields.update({name: reader.server_time(key) for key, name in _SERVER_TIMES.items()})
    return Snapshot(
        phase=reader.choice("phase", Phase),
        status=reader.text("status"),
        checked_at=reader.number("checkedAt"),
        **fields,
    )


def _status_of(batch_id: str, snapshot: Snapshot, reader: Reader | None) -> BatchStatus | None:
    """The last answer, if the record (or old snapshot: no `reader`) has every required field."""
    if (
        snapshot.status is None
        or snapshot.total_records is None
        or snapshot.processed_records is None
        or snapshot.failed_records is None
        or snapshot.created_at is None
        or snapshot.updated_at is None
    ):
        return None
    errors = None if reader is None else reader.list("errors", ERRORS_LIMIT)
    anomalies = None if reader is None else reader.list("anomalies", ANOMALIES_LIMIT)
    if anomalies is not None and not all(
        isinstance(a, str) and len(a) <= TEXT_LIMIT for a in anomalies
    ):
        raise Unreadable
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
        summary=Summary(snapshot.successful_records or 0, tuple(errors or ())),
        # As seen: it may hold what only a comparison with an earlier answer could find.
        anomalies=tuple(anomalies or ()),
    )
    if anomalies is None:
        return dataclasses.replace(status, anomalies=find_anomalies(status))
    return status


def _failure(reader: Reader) -> ApiFailure:
    return ApiFailure(
        kind=reader.choice("kind", FailureKind),
        title=reader.text("title") or "",
        meaning=reader.text("meaning") or "",
        action=reader.text("action") or "",
        http_status=reader.count("httpStatus", minimum=0),
        body_excerpt=reader.text("bodyExcerpt") or "",
        retry_after=reader.number("retryAfter"),
        detail=reader.text("detail") or "",
        **{name: reader.text(key) for key, name in _FAILURE_TEXTS.items()},
    )


def _history(table: dict[str, Any] | None) -> Sequence[Progress]:
    if table is None:
        return ()
    at, processed, failed = columns(table, ("at", "processed", "failed"), HISTORY_LIMIT)
    typed(processed, (int,))
    typed(failed, (int,))
    try:
        counts = array("q", processed), array("q", failed)
    except OverflowError:
        raise Unreadable from None
    return Packed(Progress, (array("d", finite_all(at)), *counts))


def _checks(table: dict[str, Any] | None) -> Sequence[CheckRecord]:
    if table is None:
        return ()
    names = ("at", "httpStatus", "outcome", "manual")
    at, http_status, outcome, manual = columns(table, names, RECENT_CHECKS_LIMIT)
    typed(http_status, (int, type(None)))
    typed(outcome, (str,))
    typed(manual, (bool,))
    if any(status is not None and status < 0 for status in http_status):
        raise Unreadable
    if any(len(text) > TEXT_LIMIT for text in outcome):
        raise Unreadable
    # Outcomes repeat ("in_progress", one failure's headline): one copy of each text.
    texts = tuple(map(sys.intern, outcome))
    times = array("d", finite_all(at))
    return Packed(CheckRecord, (times, tuple(http_status), texts, tuple(manual)))
