"""Turns a batch-status body into a BatchStatus, or says precisely which field is wrong."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.api.models import (
    BatchStatus,
    BatchStatusValue,
    Summary,
    UploadReceipt,
    find_anomalies,
)
from reap_tui.text import describe_value


class MalformedBody(ValueError):
    """The body is not a documented batch-status object; the message names the field."""


def parse_batch_status(body: bytes | str | Any) -> BatchStatus:
    """Parse raw bytes/text of a JSON body, or an already-decoded JSON value."""
    data = _decode(body) if isinstance(body, bytes | str) else body
    if not isinstance(data, Mapping):
        raise MalformedBody(f"body: expected a JSON object, got {describe_value(data)}")
    summary = data.get("summary")
    if not isinstance(summary, Mapping):
        raise MalformedBody(f"summary: expected an object, got {_given(data, 'summary')}")
    errors = summary.get("errors", [])
    if not isinstance(errors, list):
        raise MalformedBody(f"summary.errors: expected a list, got {describe_value(errors)}")
    status = BatchStatus(
        batch_id=_string(data, "batchId"),
        status=BatchStatusValue.from_wire(_string(data, "status")),
        total_records=_integer(data, "totalRecords"),
        processed_records=_integer(data, "processedRecords"),
        failed_records=_integer(data, "failedRecords"),
        created_at=_timestamp(data, "createdAt"),
        updated_at=_timestamp(data, "updatedAt"),
        started_at=_optional_timestamp(data, "startedAt"),
        completed_at=_optional_timestamp(data, "completedAt"),
        summary=Summary(
            successful_records=_integer(summary, "successfulRecords", prefix="summary."),
            errors=tuple(errors),
        ),
    )
    return dataclasses.replace(status, anomalies=find_anomalies(status))


def parse_upload_receipt(body: bytes) -> UploadReceipt:
    """The upload answer: `batchId` is required (a UUID); the rest is shown when present."""
    data = _decode(body)
    if not isinstance(data, Mapping):
        raise MalformedBody(f"body: expected a JSON object, got {describe_value(data)}")
    try:
        batch_id = parse_batch_id(_string(data, "batchId"))
    except InvalidBatchId:
        raise MalformedBody(
            f"batchId: expected a UUID, got {describe_value(data.get('batchId'))}"
        ) from None
    status = data.get("status")
    total = data.get("totalRecords")
    message = data.get("message")
    created = data.get("createdAt")
    return UploadReceipt(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire(status) if isinstance(status, str) else None,
        total_records=total if isinstance(total, int) and not isinstance(total, bool) else None,
        message=message if isinstance(message, str) else "",
        created_at=parse_timestamp(created) if isinstance(created, str) else None,
    )


def _decode(body: bytes | str) -> Any:
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise MalformedBody(f"body: not UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise MalformedBody("body: empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedBody(f"body: not JSON ({error.msg})") from None
    except RecursionError:
        raise MalformedBody("body: not JSON (nested too deeply)") from None
    except ValueError:
        raise MalformedBody("body: not JSON (a number too long to read)") from None


_MISSING = object()


def _given(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, _MISSING)
    return "nothing (field missing)" if value is _MISSING else describe_value(value)


def _string(data: Mapping[str, Any], name: str, prefix: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise MalformedBody(f"{prefix}{name}: expected a string, got {_given(data, name)}")
    return value


def _integer(data: Mapping[str, Any], name: str, prefix: str = "") -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise MalformedBody(f"{prefix}{name}: expected an integer, got {_given(data, name)}")
    return value


def _timestamp(data: Mapping[str, Any], name: str) -> datetime:
    value = data.get(name)
    if not isinstance(value, str):
        raise MalformedBody(f"{name}: expected an ISO 8601 timestamp, got {_given(data, name)}")
    parsed = parse_timestamp(value)
    if parsed is None:
        raise MalformedBody(f"{name}: expected an ISO 8601 timestamp, got {describe_value(value)}")
    return parsed


def _optional_timestamp(data: Mapping[str, Any], name: str) -> datetime | None:
    if data.get(name) is None:
        return None
    return _timestamp(data, name)


def parse_timestamp(text: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime; one without a zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return None  # a moment with no UTC form (year 1 east of Greenwich, year 9999 west)
    return parsed
