"""The batch-status parser: the documented examples verbatim, spellings, and precise rejections."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reap_tui.api.errors import explain, failure_from_response, parse_error_body
from reap_tui.api.models import StatusKind
from reap_tui.api.parser import MalformedBody, parse_batch_status

DATA = Path(__file__).parent / "data"


def example(name: str) -> bytes:
    return (DATA / f"example_{name}.json").read_bytes()


def body(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(example("in_progress"))
    for key, value in overrides.items():
        if value is _DROP:
            document.pop(key)
        else:
            document[key] = value
    return document


_DROP = object()


def test_completed_example_parses_verbatim() -> None:
    status = parse_batch_status(example("completed"))
    assert status.batch_id == "f208a887-9fa6-4447-a52b-c1d6e089536f"
    assert status.kind is StatusKind.COMPLETED
    assert (status.total_records, status.processed_records, status.failed_records) == (19, 19, 0)
    assert status.successful_records == 19
    assert status.created_at == datetime(2025, 10, 8, 11, 40, 20, 796000, tzinfo=UTC)
    assert status.completed_at == datetime(2025, 10, 8, 11, 44, 53, tzinfo=UTC)
    assert status.summary.errors == ()
    assert status.anomalies == ()


def test_in_progress_example_parses_verbatim() -> None:
    status = parse_batch_status(example("in_progress"))
    assert status.kind is StatusKind.IN_PROGRESS
    assert (status.processed_records, status.failed_records, status.successful_records) == (
        45,
        2,
        43,
    )
    assert status.started_at == datetime(2025, 10, 8, 11, 41, tzinfo=UTC)
    assert status.completed_at is None
    assert status.anomalies == ()


def test_pending_example_parses_verbatim() -> None:
    status = parse_batch_status(example("pending"))
    assert status.kind is StatusKind.PENDING
    assert status.started_at is None and status.completed_at is None
    assert status.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("pending", StatusKind.PENDING),
        ("PENDING", StatusKind.PENDING),
        ("in_progress", StatusKind.IN_PROGRESS),
        ("IN_PROGRESS", StatusKind.IN_PROGRESS),
        ("PROCESSING", StatusKind.IN_PROGRESS),
        ("processing", StatusKind.IN_PROGRESS),
        ("Completed", StatusKind.COMPLETED),
        ("FAILED", StatusKind.FAILED),
    ],
)
def test_status_spellings_are_normalized(raw: str, kind: StatusKind) -> None:
    status = parse_batch_status(body(status=raw))
    assert status.kind is kind
    assert status.status.text == kind.value


def test_unknown_status_is_kept_with_its_raw_text_and_reported() -> None:
    status = parse_batch_status(body(status="ON_HOLD"))
    assert status.kind is StatusKind.UNKNOWN
    assert status.status.text == "ON_HOLD"
    assert "unknown status value 'ON_HOLD'" in status.anomalies


def test_extra_fields_are_ignored() -> None:
    status = parse_batch_status(body(businessUuid="x", newField={"a": 1}))
    assert status.total_records == 100


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (body(totalRecords="abc"), 'totalRecords: expected an integer, got "abc"'),
        (
            body(totalRecords=_DROP),
            "totalRecords: expected an integer, got nothing (field missing)",
        ),
        (body(processedRecords=None), "processedRecords: expected an integer, got null"),
        (body(failedRecords=1.5), "failedRecords: expected an integer, got 1.5"),
        (body(failedRecords=True), "failedRecords: expected an integer, got true"),
        (body(batchId=7), "batchId: expected a string, got 7"),
        (body(status=_DROP), "status: expected a string, got nothing (field missing)"),
        (body(createdAt="yesterday"), 'createdAt: expected an ISO 8601 timestamp, got "yesterday"'),
        (body(updatedAt=None), "updatedAt: expected an ISO 8601 timestamp, got null"),
        (body(startedAt=12), "startedAt: expected an ISO 8601 timestamp, got 12"),
        (body(summary=_DROP), "summary: expected an object, got nothing (field missing)"),
        (body(summary=[]), "summary: expected an object, got a list"),
        (
            body(summary={"errors": []}),
            "summary.successfulRecords: expected an integer, got nothing (field missing)",
        ),
        (
            body(summary={"successfulRecords": 1, "errors": "none"}),
            'summary.errors: expected a list, got "none"',
        ),
        ([1, 2], "body: expected a JSON object, got a list"),
        ("done", 'body: expected a JSON object, got "done"'),
    ],
)
def test_malformed_bodies_name_the_field(document: Any, message: str) -> None:
    with pytest.raises(MalformedBody) as raised:
        parse_batch_status(json.dumps(document).encode())
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "body: empty"),
        (b"<html><body>Bad gateway</body></html>", "body: not JSON (Expecting value)"),
        (b"\xff\xfe{}", "body: not UTF-8 (byte 0)"),
        (b'{"batchId": ', "body: not JSON (Expecting value)"),
    ],
)
def test_bodies_that_are_not_json(raw: bytes, message: str) -> None:
    with pytest.raises(MalformedBody) as raised:
        parse_batch_status(raw)
    assert str(raised.value) == message


def test_inconsistent_counts_are_kept_as_anomalies() -> None:
    status = parse_batch_status(
        body(
            totalRecords=10,
            processedRecords=12,
            failedRecords=-1,
            summary={"successfulRecords": 3, "errors": []},
        )
    )
    assert status.processed_records == 12
    assert status.anomalies == (
        "failedRecords is negative (-1)",
        "processedRecords (12) exceeds totalRecords (10)",
        "processedRecords (12) is not successful (3) + failed (-1)",
    )


def test_timestamps_in_other_offsets_and_without_zone() -> None:
    status = parse_batch_status(
        body(createdAt="2025-10-08T13:40:20+02:00", updatedAt="2025-10-08T11:42:15")
    )
    assert status.created_at == datetime(2025, 10, 8, 11, 40, 20, tzinfo=UTC)
    assert status.created_at.utcoffset() == timedelta(hours=2)
    assert status.updated_at.tzinfo is UTC
    assert status.created_at.tzinfo == timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("name", "http_status", "code", "title"),
    [
        ("missing_key", 401, "0000000100", "Missing API key"),
        ("invalid_key", 401, "0000000200", "Invalid API key"),
        ("not_found", 404, "0701020100", "Batch not found"),
    ],
)
def test_documented_error_bodies(name: str, http_status: int, code: str, title: str) -> None:
    raw = (DATA / f"error_{name}.json").read_bytes()
    parsed = parse_error_body(raw)
    assert parsed is not None and parsed.code == code
    failure = failure_from_response(http_status, "application/json", raw, None)
    assert failure.code == code
    assert failure.title == title
    assert failure.action


def test_missing_key_tells_the_user_to_set_the_variable() -> None:
    assert "REAP_API_KEY" in explain(401, "0000000100").action


def test_not_found_names_the_likely_causes() -> None:
    action = explain(404, "0701020100").action
    assert "environment" in action and "business" in action


def test_unknown_code_falls_back_to_the_http_status() -> None:
    assert explain(429, "1234567890").title == "Rate limited"
    assert explain(503, None).title == "Reap server error"


def test_html_error_page_is_described_with_an_escaped_excerpt() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head>\x1b[2J</html>"
    failure = failure_from_response(502, "text/html", page, None)
    assert failure.code is None and failure.message is None
    assert failure.title == "Reap server error"
    assert failure.detail == "HTTP 502 with a non-Reap body (text/html)"
    assert "502 Bad Gateway" in failure.body_excerpt
    assert "\x1b" not in failure.body_excerpt


def test_empty_error_body_is_described() -> None:
    failure = failure_from_response(500, None, b"", None)
    assert failure.detail == "HTTP 500 with an empty body"


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_either_parse_or_raise_malformed_body(raw: bytes) -> None:
    try:
        parse_batch_status(raw)
    except MalformedBody as error:
        assert str(error).isprintable()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)


@given(st.dictionaries(st.sampled_from(list(body())), json_values, max_size=4))
def test_documented_fields_replaced_by_any_json_parse_or_raise_malformed_body(
    replacements: dict[str, Any],
) -> None:
    try:
        parse_batch_status({**body(), **replacements})
    except MalformedBody as error:
        assert str(error).isprintable()


def test_a_completed_batch_that_never_started_is_an_anomaly() -> None:
    status = parse_batch_status(
        body(
            status="completed",
            processedRecords=100,
            startedAt=None,
            summary={"successfulRecords": 98, "errors": []},
        )
    )
    assert "completed without startedAt" in status.anomalies


def test_a_number_too_long_to_read_is_a_malformed_body() -> None:
    with pytest.raises(MalformedBody, match="a number too long to read"):
        parse_batch_status(b'{"totalRecords": ' + b"9" * 5000 + b"}")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_moment_with_no_utc_form_is_a_malformed_timestamp(moment: str) -> None:
    with pytest.raises(MalformedBody, match="createdAt: expected an ISO 8601 timestamp"):
        parse_batch_status(json.dumps(body(createdAt=moment)))
