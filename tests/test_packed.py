"""A restored history kept as columns reads, compares and hashes as the tuple it was saved
from, so a restored state equals the state saved and the engine extends it as a tuple."""

from __future__ import annotations

import dataclasses
from array import array

import pytest

from reap_tui.engine.packed import Packed
from reap_tui.engine.snapshots import record_of, saved_state
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress

POINTS = (Progress(10.5, 100, 0), Progress(40.25, 220, 1), Progress(70.0, 400, 3))
CHECKS = (CheckRecord(9.0, 200, "in_progress"), CheckRecord(39.0, None, "timeout", True))


def packed_points() -> Packed[Progress]:
    return Packed(Progress, (array("d", [10.5, 40.25, 70.0]), array("q", [100, 220, 400]),
                             array("q", [0, 1, 3])))  # fmt: skip


def test_it_reads_as_the_tuple_of_its_records() -> None:
    points = packed_points()
    assert len(points) == 3 and points[0] == POINTS[0] and points[-1] == POINTS[-1]
    assert list(points) == list(POINTS) and list(reversed(points)) == list(reversed(POINTS))
    assert points[1:] == POINTS[1:] and points[-6:] == POINTS
    assert (*points, Progress(100.0, 500, 3))[-3:] == (*POINTS[1:], Progress(100.0, 500, 3))
    with pytest.raises(IndexError):
        points[3]


def test_it_equals_and_hashes_as_that_tuple_from_either_side() -> None:
    points = packed_points()
    assert points == POINTS and POINTS == points and points == packed_points()  # noqa: SIM300
    assert hash(points) == hash(POINTS)
    assert points != POINTS[:2] and POINTS[:2] != points and points != list(POINTS)
    assert repr(points) == repr(POINTS)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        Packed(Progress, (array("d", [1.0]), array("q", [1, 2]), array("q", [0])))


def test_a_restored_state_equals_the_state_saved_and_throughput_reads_the_same() -> None:
    state = BatchState(
        "11111111-1111-4111-8111-111111111111",
        phase=Phase.COMPLETED,
        checks_made=2,
        last_checked_at=70.0,
        history=POINTS,
        recent_checks=CHECKS,
    )
    restored = saved_state(state.batch_id, record_of(state))
    assert restored is not None
    assert isinstance(restored.history, Packed) and isinstance(restored.recent_checks, Packed)
    assert restored == state and state == restored
    assert restored.throughput == state.throughput
    assert record_of(restored) == record_of(state)
    assert dataclasses.replace(restored, checks_made=3) == dataclasses.replace(state, checks_made=3)


def test_a_history_count_no_column_can_hold_makes_the_record_unreadable() -> None:
    state = BatchState("11111111-1111-4111-8111-111111111111", history=POINTS)
    record = record_of(state)
    record["history"]["processed"][0] = 2**70
    assert saved_state(state.batch_id, record) is None
