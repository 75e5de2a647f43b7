"""Batch statuses and failures as plain lines and as JSON, for the command line.

Server strings are cleaned of control characters before they reach a terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reap_tui import format as fmt
from reap_tui.api.errors import CATALOGUE, MISSING_KEY_CODE, ApiFailure, FailureKind
from reap_tui.api.models import BatchStatus
from reap_tui.batchfile import ValidationReport
from reap_tui.clock import to_datetime
from reap_tui.text import clean


def iso_timestamp(value: datetime | float | None) -> str | None:
    """ISO 8601 with `Z` for UTC: a server time keeps the offset it was sent with; a clock
    time (epoch seconds) is given in UTC."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else to_datetime(value)
    return moment.isoformat().replace("+00:00", "Z")


def progress_json(
    *,
    total: int | None,
    processed: int | None,
    failed: int | None,
    created_at: datetime | None,
    updated_at: datetime | None,
    started_at: datetime | None,
    completed_at: datetime | None,
) -> dict[str, Any]:
    """The documented count and time fields of a batch, camelCase; absent values are null."""
    return {
        "totalRecords": total,
        "processedRecords": processed,
        "failedRecords": failed,
        "createdAt": iso_timestamp(created_at),
        "updatedAt": iso_timestamp(updated_at),
        "startedAt": iso_timestamp(started_at),
        "completedAt": iso_timestamp(completed_at),
    }


def status_json(status: BatchStatus) -> dict[str, Any]:
    """The documented fields, camelCase, with the status in its documented spelling."""
    return {
        "batchId": status.batch_id,
        "status": status.status.text,
        **progress_json(
            total=status.total_records,
            processed=status.processed_records,
            failed=status.failed_records,
            created_at=status.created_at,
            updated_at=status.updated_at,
            started_at=status.started_at,
            completed_at=status.completed_at,
        ),
        "summary": {
            "successfulRecords": status.successful_records,
            "errors": list(status.summary.errors),
        },
        "anomalies": list(status.anomalies),
    }


def failure_json(failure: ApiFailure) -> dict[str, Any]:
    return {"error": failure.as_json()}


def no_key_json(problem: str) -> dict[str, Any]:
    """No key to send: the error Reap answers a request without one with (its code), though
    nothing was sent; `detail` says how to provide a key."""
    missing = CATALOGUE[MISSING_KEY_CODE]
    return failure_json(
        ApiFailure(
            kind=FailureKind.AUTH,
            title=missing.title,
            meaning="No API key is set, so no request was sent (Reap would refuse it).",
            action=missing.action,
            code=MISSING_KEY_CODE,
            detail=clean(problem, limit=500),
        )
    )


def usage_error_json(problem: str) -> dict[str, Any]:
    """A command line, id, file or setting refused before any request was sent (exit 2)."""
    return _local_json(
        "usage error",
        "Usage error",
        "The command was refused before anything was sent.",
        "Correct what the detail names and run the command again.",
        problem,
    )


def interrupted_json() -> dict[str, Any]:
    return _local_json(
        "interrupted",
        "Interrupted",
        "The command was stopped (Ctrl-C) before it finished.",
        "Run it again.",
        "",
    )


def _local_json(kind: str, title: str, meaning: str, action: str, detail: str) -> dict[str, Any]:
    """An error of the program's own, in the shape of `failure_json`."""
    document = failure_json(
        ApiFailure(
            kind=FailureKind.CLIENT_ERROR,
            title=title,
            meaning=meaning,
            action=action,
            detail=clean(detail, limit=500),
        )
    )
    document["error"]["kind"] = kind
    return document


def status_lines(status: BatchStatus, now: float, *, utc: bool = True) -> list[str]:
    total, processed = status.total_records, status.processed_records
    done = f" ({fmt.percent(100 * processed / total)})" if total > 0 else ""
    failure_share = (
        f" ({fmt.percent(status.failed_records / processed, share=True)})" if processed > 0 else ""
    )
    lines = [
        f"Batch       {clean(status.batch_id, limit=60)}",
        f"Status      {clean(status.status.text, limit=60).replace('_', ' ')}",
        f"Records     {fmt.count(processed)} of {fmt.count(total)} processed{done}",
        f"Successful  {fmt.count(status.successful_records)}",
        f"Failed      {fmt.count(status.failed_records)}{failure_share}",
        f"Created     {fmt.absolute(status.created_at, utc=utc)}",
        f"Started     {fmt.absolute(status.started_at, utc=utc)}",
        f"Updated     {fmt.absolute(status.updated_at, utc=utc)}",
        f"Completed   {fmt.absolute(status.completed_at, utc=utc)}",
        f"Queue wait  {fmt.duration(status.queue_wait)}",
        f"Processing  {fmt.duration(status.processing_time(now))}",
    ]
    lines += [f"Anomaly     {clean(anomaly, limit=200)}" for anomaly in status.anomalies]
    lines += [f"Error       {clean(str(error), limit=200)}" for error in status.summary.errors]
    return lines


def validation_lines(report: ValidationReport) -> list[str]:
    """One line per problem (cells and names already escaped by the validator), then a summary."""
    lines = [
        f"warning: {problem}" if problem.severity == "warning" else str(problem)
        for problem in report.problems
    ]
    return [*lines, report.summary]


def failure_lines(failure: ApiFailure) -> list[str]:
    lines = [failure.headline]
    if failure.message:
        lines.append(f"  Reap says:     {clean(failure.message, limit=300)}")
    if failure.parameter:
        lines.append(f"  Parameter:     {clean(failure.parameter, limit=100)}")
    if failure.detail:
        lines.append(f"  Detail:        {failure.detail}")
    lines.append(f"  What it means: {failure.meaning}")
    lines.append(f"  What to do:    {failure.action}")
    if failure.body_excerpt and not failure.message:
        lines.append(f"  Body:          {failure.body_excerpt}")
    return lines
