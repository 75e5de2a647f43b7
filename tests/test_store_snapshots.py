"""A batch's saved record: from a server answer to JSON and back, what a restart makes of it,
and records that cannot be read (old, hand-made, hostile) are no record, never a crash."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reap_tui.api.errors import ApiFailure, FailureKind, explain
from reap_tui.api.parser import parse_batch_status
from reap_tui.engine.snapshots import (
    ERRORS_LIMIT,
    initial_state,
    last_known,
    record_of,
    record_of_snapshot,
    saved_state,
)
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress
from reap_tui.store import Entry, Snapshot
from reap_tui.store.model import Source

from .conftest import START

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"


def answer(**fields: Any) -> bytes:
    document = {
        "batchId": A,
        "status": "in_progress",
        "totalRecords": 19,
        "processedRecords": 7,
        "failedRecords": 1,
        "createdAt": "2025-10-08T11:39:58Z",
        "updatedAt": "2025-10-08T11:41:02.25+02:00",
        "startedAt": "2025-10-08T11:40:30Z",
        "summary": {"successfulRecords": 6, "errors": [{"row": 3, "message": "bad"}]},
    }
    return json.dumps(document | fields).encode()


def entry(label: str = "March") -> Entry:
    return Entry(A, START - 600, Source.UPLOAD, "sandbox", "https://x", label, START - 700)


def seen(phase: Phase = Phase.POLLING, **changes: Any) -> BatchState:
    """A state as the engine leaves it after a few checks, the last one failed."""
    explanation = explain(500, None)
    failure = ApiFailure(
        FailureKind.SERVER_ERROR,
        explanation.title,
        explanation.meaning,
        explanation.action,
        http_status=500,
        code="0000000500",
        message="upstream \x1b[31m down",
        content_type="text/html",
        body_excerpt="<html>oops</html>",
        retry_after=30.0,
    )
    state = BatchState(
        A,
        label="March",
        phase=phase,
        status=parse_batch_status(answer()),
        failure=failure,
        next_check_at=START + 45,
        checks_made=3,
        first_check_at=START - 120,
        last_checked_at=START - 10,
        uploaded_at=START - 700,
        history=(Progress(START - 120, 2, 0), Progress(START - 60, 7, 1)),
        recent_checks=(
            CheckRecord(START - 120, 200, "in_progress"),
            CheckRecord(START - 60, 200, "in_progress", manual=True),
            CheckRecord(START - 10, 500, "HTTP 500 Reap server error"),
        ),
        stop_reason="",
    )
    return dataclasses.replace(state, **changes)


def through_json(record: dict[str, Any]) -> Any:
    return json.loads(json.dumps(record))


def test_every_field_the_panes_show_comes_back_from_json() -> None:
    original = seen(Phase.COMPLETED, stop_reason="completed")
    restored = saved_state(A, through_json(record_of(original)))
    assert restored == dataclasses.replace(original, label="", next_check_at=None, uploaded_at=None)
    assert record_of(restored) == through_json(record_of(original)), "a round trip is exact"


def test_negative_counts_from_the_server_are_saved_and_read_back() -> None:
    status = parse_batch_status(answer(failedRecords=-1, totalRecords=-19))
    assert status.anomalies, "the parser keeps a negative count as an anomaly"
    state = BatchState(A, phase=Phase.POLLING, status=status, last_checked_at=START)
    restored = initial_state(entry(), through_json(record_of(state))).status
    assert restored is not None
    assert (restored.failed_records, restored.total_records) == (-1, -19)
    assert restored.anomalies == status.anomalies


def test_anomalies_seen_only_against_an_earlier_answer_are_kept() -> None:
    state = seen()
    assert state.status is not None
    status = dataclasses.replace(state.status, anomalies=("processedRecords went down",))
    restored = saved_state(A, through_json(record_of(dataclasses.replace(state, status=status))))
    assert restored is not None and restored.status is not None
    assert restored.status.anomalies == ("processedRecords went down",)


def test_summary_errors_are_kept_up_to_the_first_thousand() -> None:
    errors = [{"row": row, "message": f"bad {row}"} for row in range(2500)]
    state = seen(
        status=parse_batch_status(answer(summary={"successfulRecords": 6, "errors": errors}))
    )
    restored = saved_state(A, through_json(record_of(state)))
    assert restored is not None and restored.status is not None
    assert list(restored.status.summary.errors) == errors[:ERRORS_LIMIT]


def test_a_restart_keeps_finished_paused_and_timed_out_batches_as_they_were() -> None:
    for phase in (Phase.COMPLETED, Phase.FAILED, Phase.NOT_FOUND, Phase.PAUSED, Phase.TIMED_OUT):
        state = initial_state(entry(), through_json(record_of(seen(phase, stop_reason="why"))))
        assert (state.phase, state.first_check_at, state.stop_reason) == (phase, START - 120, "why")
        assert (state.label, state.uploaded_at, state.next_check_at) == ("March", START - 700, None)


def test_a_restart_checks_anything_else_afresh_in_a_window_of_its_own() -> None:
    for phase in (Phase.POLLING, Phase.WAITING_FIRST_CHECK, Phase.AUTH_REQUIRED, Phase.STOPPED):
        state = initial_state(entry(), through_json(record_of(seen(phase, stop_reason="why"))))
        assert (state.phase, state.first_check_at, state.stop_reason) == (
            Phase.WAITING_FIRST_CHECK,
            None,
            "",
        )
        # What was seen stays on screen until the new answer, and the last check keeps its 30 s.
        assert state.last_checked_at == START - 10 and state.failure is not None
        assert state.checks_made == 3 and len(state.recent_checks) == 3


def test_a_snapshot_of_an_old_watch_list_becomes_a_record_field_for_field() -> None:
    partial = Snapshot(Phase.COMPLETED, "completed", 19, 19, 2, checked_at=START)
    full = Snapshot(
        Phase.POLLING,
        "in_progress",
        19,
        7,
        1,
        6,
        datetime(2025, 10, 8, 11, 39, 58, tzinfo=UTC),
        datetime(2025, 10, 8, 11, 41, 2, 250000, tzinfo=UTC),
        datetime(2025, 10, 8, 11, 40, 30, tzinfo=UTC),
        None,
        START,
    )
    for snapshot in (partial, full):
        record = through_json(record_of_snapshot(snapshot))
        assert last_known(record) == snapshot
        from_record = initial_state(entry(), record)
        from_snapshot = initial_state(dataclasses.replace(entry(), snapshot=snapshot))
        assert from_record == from_snapshot
    assert initial_state(entry(), record_of_snapshot(full)).status is not None


def test_keys_a_later_version_adds_are_ignored() -> None:
    record = through_json(record_of(seen())) | {"queuedAt": START, "importId": "abc"}
    assert saved_state(A, record) == saved_state(A, record_of(seen()))


def test_records_that_cannot_be_read_are_no_record() -> None:
    good = through_json(record_of(seen()))
    bad: list[Any] = [
        None,
        [],
        "text",
        {},
        good | {"format": 2},
        good | {"format": "1"},
        good | {"phase": "exploded"},
        good | {"checksMade": True},
        good | {"checksMade": -1},
        good | {"checkedAt": "yesterday"},
        good | {"createdAt": "not a time"},
        good | {"totalRecords": 1.5},
        good | {"errors": {"row": 1}},
        good | {"errors": [1] * (ERRORS_LIMIT + 1)},
        good | {"history": [[1, 2, 3]]},
        good | {"history": {"at": [1.0], "processed": [2]}},
        good | {"history": {"at": [1e400], "processed": [2], "failed": [3]}},
        good | {"history": {"at": [1], "processed": [2.5], "failed": [3]}},
        good | {"history": {"at": [1] * 121, "processed": [2] * 121, "failed": [3] * 121}},
        good | {"checks": {"at": [1], "httpStatus": [200], "outcome": ["ok"]}},
        good | {"checks": {"at": [1], "httpStatus": [-1], "outcome": ["ok"], "manual": [True]}},
        good | {"checks": {"at": [1], "httpStatus": [200], "outcome": ["ok"], "manual": [1]}},
        good | {"failure": {"kind": "gremlins"}},
        good | {"failure": "HTTP 500"},
        good | {"anomalies": [1]},
        good | {"stopReason": "x" * 100_000},
    ]
    for record in bad:
        assert saved_state(A, record) is None, record
        assert initial_state(entry(), record) == BatchState(A, "March", uploaded_at=START - 700)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(sorted(record_of(seen()))), JSON))
def test_any_json_in_any_field_reads_as_a_state_or_as_no_record(changes: dict[str, Any]) -> None:
    record = record_of(seen()) | changes
    state = saved_state(A, record)
    assert state is None or isinstance(state, BatchState)
    assert isinstance(initial_state(entry(), record), BatchState)
    assert last_known(record) is None or isinstance(last_known(record), Snapshot)
