"""Arbitrary input into every parser of untrusted text: the response parser, the TOML loaders,
the CSV validator and the batch-id input. Only the documented error types come out, and every
message a person may read is printable text."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reap_tui.api.errors import failure_from_response, malformed_failure
from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.api.parser import MalformedBody, parse_batch_status, parse_upload_receipt
from reap_tui.api.retry_after import MAX_RETRY_AFTER, parse_retry_after
from reap_tui.batchfile import validate_bytes
from reap_tui.clock import FakeClock
from reap_tui.config import ConfigError, load_settings
from reap_tui.report import status_json, status_lines
from reap_tui.store import WatchList, WatchListError
from reap_tui.tui.screens import BatchIdValidator

from .conftest import START

FAST = settings(max_examples=300, deadline=None)
FILES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Characters that must never reach a terminal raw: C0/C1 controls, DEL, line and paragraph
# separators, the bidi overrides and isolates, surrogates, private use and unassigned.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def printable(text: str, *, lines: bool = False) -> bool:
    for char in text:
        if char == "\n" and lines:
            continue
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            return False
    return True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

EXAMPLE = {
    "batchId": "f208a887-9fa6-4447-a52b-c1d6e089536f",
    "status": "in_progress",
    "totalRecords": 100,
    "processedRecords": 45,
    "failedRecords": 2,
    "createdAt": "2025-10-08T11:40:20.796Z",
    "updatedAt": "2025-10-08T11:42:15.123Z",
    "startedAt": "2025-10-08T11:41:00.000Z",
    "completedAt": None,
    "summary": {"successfulRecords": 43, "errors": []},
}


@st.composite
def near_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The documented example with some fields replaced by anything, or removed."""
    document = json.loads(json.dumps(EXAMPLE))
    for name in draw(st.lists(st.sampled_from([*EXAMPLE, "summary.successfulRecords"]))):
        target, _, leaf = name.rpartition(".")
        holder = document.get(target, document) if target else document
        if not isinstance(holder, dict):
            continue
        if draw(st.booleans()):
            holder.pop(leaf, None)
        else:
            holder[leaf] = draw(json_values)
    return document


def check_status_body(body: Any) -> None:
    try:
        status = parse_batch_status(body)
    except MalformedBody as error:
        assert printable(str(error)), str(error)
        failure = malformed_failure(200, "application/json", b"", str(error))
        assert printable(failure.headline) and printable(failure.detail)
        return
    json.dumps(status_json(status))
    for line in status_lines(status, START):
        assert printable(line), line


@FAST
@given(near_documents())
def test_status_documents_near_the_documented_one(document: dict[str, Any]) -> None:
    check_status_body(json.dumps(document).encode())


@FAST
@given(json_values)
def test_any_json_value_as_a_status_body(value: Any) -> None:
    check_status_body(json.dumps(value).encode())


@FAST
@given(st.binary(max_size=200))
def test_any_bytes_as_a_status_body(body: bytes) -> None:
    check_status_body(body)


@FAST
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_as_an_upload_answer(body: bytes) -> None:
    try:
        receipt = parse_upload_receipt(body)
    except MalformedBody as error:
        assert printable(str(error)), str(error)
    else:
        assert parse_batch_id(receipt.batch_id) == receipt.batch_id


@FAST
@given(
    st.integers(100, 599),
    st.none() | st.text(max_size=30),
    st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
)
@example(502, "\x1f", b"<html>")  # a control character in the Content-Type
def test_any_error_answer_is_explained(status: int, content_type: str | None, body: bytes) -> None:
    failure = failure_from_response(status, content_type, body, None)
    for text in (failure.headline, failure.detail, failure.body_excerpt, failure.title):
        assert printable(text), text
    json.dumps(failure.as_json())


@FAST
@given(st.text(max_size=40), st.none() | st.text(max_size=40))
@example("²", None)  # a digit to str.isdigit(), not to float()
def test_any_retry_after_is_a_bounded_delay_or_none(value: str, server_date: str | None) -> None:
    delay = parse_retry_after(value, START, server_date)
    assert delay is None or 0.0 <= delay <= MAX_RETRY_AFTER


@FAST
@given(st.text(max_size=80))
def test_any_text_as_a_batch_id(text: str) -> None:
    try:
        batch_id = parse_batch_id(text)
    except InvalidBatchId as error:
        assert printable(str(error)), str(error)
    else:
        assert parse_batch_id(batch_id) == batch_id
    result = BatchIdValidator(lambda _: False).validate(text)
    assert result.is_valid == (text.strip() != "" and _is_id(text))
    assert all(printable(reason) for reason in result.failure_descriptions)


def _is_id(text: str) -> bool:
    try:
        parse_batch_id(text)
    except InvalidBatchId:
        return False
    return True


# -- files -----------------------------------------------------------------------------------


@pytest.fixture
def folder() -> Iterator[Path]:
    """One folder for every example of a test (a function-scoped tmp_path is not reset)."""
    with tempfile.TemporaryDirectory(prefix="reap-fuzz-") as name:
        yield Path(name)


toml_values = st.recursive(
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.datetimes(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=10,
)
# Keys the loaders know, so documents get past the first check now and then.
known_keys = st.sampled_from(
    [
        *("schema_version", "batch", "pending_upload", "batch_id", "api", "polling", "limits"),
        *("ui", "environment", "base_url", "label", "source", "added_at", "snapshot", "theme"),
    ]
)
toml_documents = st.dictionaries(known_keys | st.text(max_size=12), toml_values, max_size=4).map(
    tomli_w.dumps
)
file_bytes = (
    st.binary(max_size=300) | toml_documents.map(str.encode) | st.text(max_size=200).map(str.encode)
)


def readable_error(message: str) -> None:
    assert message.strip() and printable(message, lines=True), message


@FILES
@given(file_bytes)
def test_any_file_as_the_watch_list(folder: Path, data: bytes) -> None:
    path = folder / "watchlist.toml"
    path.write_bytes(data)
    try:
        watchlist = WatchList.open(path, FakeClock(START))
    except WatchListError as error:
        readable_error(str(error))
    else:
        assert all(parse_batch_id(entry.batch_id) for entry in watchlist.entries)


@FILES
@given(file_bytes)
@example(b'"\\f" = false')  # a key that is a control character
def test_any_file_as_the_settings(folder: Path, data: bytes) -> None:
    path = folder / "config.toml"
    path.write_bytes(data)
    try:
        load_settings(path)
    except ConfigError as error:
        readable_error(str(error))


csv_text = st.lists(
    st.lists(
        st.text(alphabet=st.sampled_from('ab,"\r\n \t0-f\x00é'), max_size=12)
        | st.uuids().map(str)
        | st.sampled_from(["externalId", "shareToken", "applicantLevel", ""]),
        max_size=5,
    ).map(",".join),
    max_size=8,
).map("\n".join)


@FAST
@given(
    st.binary(max_size=400)
    | csv_text.map(str.encode)
    | csv_text.map(lambda t: t.encode("latin-1", "replace"))
)
def test_any_bytes_as_a_batch_csv(data: bytes) -> None:
    report = validate_bytes(data)
    assert report.ok == (report.error_count == 0)
    for problem in report.problems:
        assert printable(str(problem)), str(problem)
    assert printable(report.summary)
    json.dumps(report.to_json())


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_line_or_paragraph_separator_from_the_server_is_shown_not_obeyed(separator: str) -> None:
    failure = failure_from_response(502, f"text/html{separator}x", b"<html>", None)
    assert printable(failure.headline) and printable(failure.detail)
    assert f"\\u{ord(separator):04x}" in failure.detail
