"""A watch list with a batch in every state the dashboard names, built as states on a fixed clock
(shared by the snapshot tests and the tests of what each state shows)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from reap_tui.api.errors import failure_from_response, missing_key_failure
from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary, find_anomalies
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress
from reap_tui.sandbox.wire import json_bytes

from .conftest import START

SERVER_ERROR = failure_from_response(
    500,
    "application/json",
    json_bytes({"code": "0000000500", "message": "Internal error", "parameter": ""}),
    None,
)
NOT_FOUND_ERROR = failure_from_response(
    404,
    "application/json",
    json_bytes({"code": "0701020100", "message": "Batch not found", "parameter": ""}),
    None,
)


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(START + offset, tz=UTC)


def answer(
    batch_id: str,
    kind: str,
    total: int,
    processed: int,
    failed: int = 0,
    *,
    started: float | None = -1200,
    updated: float = -40,
    completed: float | None = None,
    successful: int | None = None,
) -> BatchStatus:
    value = BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire(kind),
        total_records=total,
        processed_records=processed,
        failed_records=failed,
        created_at=at(-1500),
        updated_at=at(updated),
        started_at=None if started is None else at(started),
        completed_at=None if completed is None else at(completed),
        summary=Summary(
            successful_records=processed - failed if successful is None else successful
        ),
    )
    return dataclasses.replace(value, anomalies=find_anomalies(value))


def moving(processed: int, checks: int = 10, step: float = 45.0) -> tuple[Progress, ...]:
    """Checks every `step` seconds up to now, the count rising to `processed`."""
    return tuple(
        Progress(START - 40 - step * (checks - 1 - i), processed * (i + 1) // checks, 0)
        for i in range(checks)
    )


def standing(processed: int, checks: int = 21, step: float = 45.0) -> tuple[Progress, ...]:
    """Checks every `step` seconds up to now, all seeing the same count."""
    return tuple(
        Progress(START - 40 - step * (checks - 1 - i), processed, 0) for i in range(checks)
    )


def _id(number: int) -> str:
    return f"{number:08x}-0000-4000-8000-{number:012x}"


IDS = {
    name: _id(number)
    for number, name in enumerate(
        (
            "key_needed",
            "not_found",
            "failed",
            "stalled",
            "anomalous",
            "timed_out",
            "stopped",
            "unknown",
            "with_failures",
            "retrying",
            "in_progress",
            "queued",
            "checking",
            "first_check",
            "pending",
            "paused",
            "completed",
        ),
        start=1,
    )
}


def gallery_states() -> list[BatchState]:
    """One batch in each state, labelled with the state's name."""

    def base(name: str, **changes: object) -> BatchState:
        state = BatchState(
            batch_id=IDS[name],
            label=f"{name.replace('_', ' ').capitalize()} batch",
            phase=Phase.POLLING,
            checks_made=10,
            first_check_at=START - 600,
            last_checked_at=START - 40,
            next_check_at=START + 42,
            recent_checks=(CheckRecord(START - 40, 200, "in_progress"),),
        )
        return dataclasses.replace(state, **changes)  # type: ignore[arg-type]

    i = IDS
    return [
        base(
            "key_needed",
            phase=Phase.AUTH_REQUIRED,
            failure=missing_key_failure(),
            next_check_at=None,
            stop_reason="Missing API key",
            status=answer(i["key_needed"], "in_progress", 400, 100),
        ),
        base(
            "not_found",
            phase=Phase.NOT_FOUND,
            failure=NOT_FOUND_ERROR,
            next_check_at=None,
            checks_made=2,
        ),
        base(
            "failed",
            phase=Phase.FAILED,
            next_check_at=None,
            status=answer(i["failed"], "failed", 1200, 420, 8, completed=-300),
        ),
        base(
            "stalled",
            status=answer(i["stalled"], "in_progress", 5000, 2500, updated=-1000),
            history=standing(2500),
            checks_made=21,
        ),
        base(
            "anomalous",
            phase=Phase.COMPLETED,
            next_check_at=None,
            status=answer(i["anomalous"], "completed", 10, 15, -1, completed=-300, successful=16),
        ),
        base(
            "timed_out",
            phase=Phase.TIMED_OUT,
            failure=SERVER_ERROR,
            next_check_at=None,
            stop_reason="no change in 30 min",
            status=answer(i["timed_out"], "pending", 300, 0, started=None),
        ),
        base(
            "stopped",
            phase=Phase.STOPPED,
            failure=failure_from_response(400, None, b"", None),
            next_check_at=None,
            stop_reason="HTTP 400 Bad request",
        ),
        base("unknown", status=answer(i["unknown"], "on_hold", 100, 10)),
        base(
            "with_failures",
            phase=Phase.COMPLETED,
            next_check_at=None,
            status=answer(i["with_failures"], "completed", 480, 480, 30, completed=-300),
        ),
        base("retrying", failure=SERVER_ERROR, checks_made=3),
        base(
            "in_progress",
            status=answer(i["in_progress"], "in_progress", 5000, 2210),
            history=moving(2210),
        ),
        base(
            "queued",
            status=answer(i["queued"], "in_progress", 3000, 1250),
            history=moving(1250),
            next_check_at=START - 2,
        ),
        base(
            "checking",
            status=answer(i["checking"], "in_progress", 2000, 900),
            history=moving(900),
            checking=True,
        ),
        base(
            "first_check",
            phase=Phase.WAITING_FIRST_CHECK,
            checks_made=0,
            last_checked_at=None,
            recent_checks=(),
            next_check_at=START + 75,
        ),
        base("pending", status=answer(i["pending"], "pending", 300, 0, started=None)),
        base(
            "paused",
            phase=Phase.PAUSED,
            next_check_at=None,
            status=answer(i["paused"], "in_progress", 800, 200),
            history=moving(200),
        ),
        base(
            "completed",
            phase=Phase.COMPLETED,
            next_check_at=None,
            status=answer(i["completed"], "completed", 19, 19, completed=-300),
        ),
    ]
