"""The scripted status of a batch as a pure function of clock time."""

from __future__ import annotations

import pytest

from reap_tui.sandbox import ScriptedBatch, status_document
from tests.sandbox_support import BATCH_ID, START


def batch(**overrides: object) -> ScriptedBatch:
    script: dict[str, object] = {
        "total_records": 100,
        "created_at": START,
        "queue_wait": 40.0,
        "rate": 1.0,
        "fail_share": 0.05,
    }
    script.update(overrides)
    return ScriptedBatch(BATCH_ID, **script)  # type: ignore[arg-type]


def test_pending_during_the_queue_wait() -> None:
    document = status_document(batch(), START + 39.999, speed=1.0)
    assert document == {
        "batchId": BATCH_ID,
        "status": "pending",
        "totalRecords": 100,
        "processedRecords": 0,
        "failedRecords": 0,
        "createdAt": "2025-10-08T11:40:20.796Z",
        "updatedAt": "2025-10-08T11:40:20.796Z",
        "startedAt": None,
        "completedAt": None,
        "summary": {"successfulRecords": 0, "errors": []},
    }


def test_in_progress_counts_follow_the_rate_and_fail_share() -> None:
    document = status_document(batch(), START + 40 + 45.5, speed=1.0)
    assert document["status"] == "in_progress"
    assert document["processedRecords"] == 45
    assert document["failedRecords"] == 2
    assert document["summary"]["successfulRecords"] == 43
    assert document["startedAt"] == "2025-10-08T11:41:00.796Z"
    # updatedAt is when the 45th record was processed, not the time of the request
    assert document["updatedAt"] == "2025-10-08T11:41:45.796Z"
    assert document["completedAt"] is None


def test_starts_processing_exactly_at_the_end_of_the_queue_wait() -> None:
    document = status_document(batch(), START + 40, speed=1.0)
    assert document["status"] == "in_progress"
    assert document["processedRecords"] == 0
    assert document["updatedAt"] == document["startedAt"] == "2025-10-08T11:41:00.796Z"


def test_completed_with_every_record_and_completed_at() -> None:
    document = status_document(batch(), START + 40 + 100, speed=1.0)
    assert document["status"] == "completed"
    assert document["processedRecords"] == 100
    assert document["failedRecords"] == 5
    assert document["summary"]["successfulRecords"] == 95
    assert document["completedAt"] == document["updatedAt"] == "2025-10-08T11:42:40.796Z"


def test_failed_outcome_stops_at_fail_at() -> None:
    script = batch(outcome="failed", fail_at=0.3, fail_share=0.1)
    assert status_document(script, START + 40 + 29, speed=1.0)["status"] == "in_progress"
    document = status_document(script, START + 40 + 30, speed=1.0)
    assert document["status"] == "failed"
    assert document["processedRecords"] == 30
    assert document["failedRecords"] == 3
    assert document["completedAt"] == "2025-10-08T11:41:30.796Z"
    assert status_document(script, START + 10_000, speed=1.0) == document


def test_speed_divides_every_scripted_duration() -> None:
    script = batch(queue_wait=300, rate=2.0)
    assert status_document(script, START + 4.9, speed=60)["status"] == "pending"
    document = status_document(script, START + 5 + 0.5, speed=60)
    assert document["status"] == "in_progress"
    assert document["processedRecords"] == 60  # 30 API seconds at 2 records/s
    assert status_document(script, START + 5 + 50 / 60, speed=60)["status"] == "completed"


def test_timestamps_have_milliseconds_and_z() -> None:
    document = status_document(batch(created_at=1759923620.0), START, speed=1.0)
    assert document["createdAt"] == "2025-10-08T11:40:20.000Z"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("lower", ["pending", "in_progress", "completed", "failed"]),
        ("upper", ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"]),
        ("processing", ["PENDING", "PROCESSING", "COMPLETED", "FAILED"]),
    ],
)
def test_status_spellings(spelling: str, expected: list[str]) -> None:
    completes = batch(status_spelling=spelling)
    fails = batch(status_spelling=spelling, outcome="failed")
    seen = [
        status_document(completes, START, 1.0)["status"],
        status_document(completes, START + 50, 1.0)["status"],
        status_document(completes, START + 500, 1.0)["status"],
        status_document(fails, START + 500, 1.0)["status"],
    ]
    assert seen == expected


def test_summary_errors_are_served_as_scripted() -> None:
    errors = ["Row 3: share token expired", {"row": 7, "message": "[b]x[/b]"}]
    document = status_document(batch(summary_errors=errors), START, 1.0)
    assert document["summary"]["errors"] == errors


def test_empty_batch_completes_when_processing_starts() -> None:
    document = status_document(batch(total_records=0), START + 40, 1.0)
    assert document["status"] == "completed"
    assert document["processedRecords"] == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"rate": 0},
        {"total_records": -1},
        {"queue_wait": -1},
        {"fail_share": 1.5},
        {"fail_at": -0.1},
        {"outcome": "exploded"},
        {"status_spelling": "shouting"},
    ],
)
def test_impossible_scripts_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        batch(**overrides)


def test_batch_id_must_be_a_uuid() -> None:
    with pytest.raises(ValueError, match="not a UUID"):
        ScriptedBatch("not-a-uuid")
