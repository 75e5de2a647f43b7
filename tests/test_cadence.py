"""The cadence policy on its own: pure decisions from what happened and the time."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reap_tui.api.errors import ApiFailure, FailureKind, failure_from_response, transport_failure
from reap_tui.api.models import BatchStatus, StatusKind
from reap_tui.api.parser import parse_batch_status
from reap_tui.engine import cadence
from reap_tui.engine.cadence import CadenceConfig, History
from reap_tui.engine.state import Phase

from .test_api_parser import body

CONFIG = CadenceConfig()
NOW = 1_000_000.0


def history(**changes: object) -> History:
    base = History(
        first_check_at=NOW,
        uploaded_at=None,
        consecutive_failures=0,
        not_found_rechecks=0,
        throughput=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def status(kind: str, processed: int = 45, total: int = 100) -> BatchStatus:
    return parse_batch_status(
        body(
            status=kind,
            processedRecords=processed,
            totalRecords=total,
            failedRecords=0,
            summary={"successfulRecords": processed, "errors": []},
        )
    )


seeds = st.integers(min_value=0, max_value=2**32)


@given(seeds, st.floats(min_value=0, max_value=119))
def test_a_fresh_upload_is_first_checked_60_to_120_s_after_upload(seed: int, age: float) -> None:
    uploaded = NOW - age
    decision = cadence.first_check(NOW, uploaded, CONFIG, random.Random(seed))
    assert decision.at is not None
    assert uploaded + 60 <= decision.at <= uploaded + 120
    assert decision.at >= NOW


def test_a_batch_added_by_hand_is_checked_at_once() -> None:
    decision = cadence.first_check(NOW, None, CONFIG, random.Random(1))
    assert decision.at == NOW
    assert decision.phase is Phase.WAITING_FIRST_CHECK


def test_an_old_upload_is_checked_at_once() -> None:
    assert cadence.first_check(NOW, NOW - 600, CONFIG, random.Random(1)).at == NOW


@given(seeds, st.sampled_from(["pending", "in_progress", "PROCESSING"]))
def test_unfinished_batches_are_checked_every_30_to_60_s(seed: int, kind: str) -> None:
    decision = cadence.after_status(status(kind), NOW, history(), CONFIG, random.Random(seed))
    assert decision.phase is Phase.POLLING
    assert decision.at is not None and NOW + 30 <= decision.at <= NOW + 60


@given(seeds)
def test_pending_batches_are_checked_at_the_long_end(seed: int) -> None:
    decision = cadence.after_status(status("pending"), NOW, history(), CONFIG, random.Random(seed))
    assert decision.at is not None and decision.at >= NOW + 52.5


@pytest.mark.parametrize(
    ("kind", "phase"), [("completed", Phase.COMPLETED), ("FAILED", Phase.FAILED)]
)
def test_final_statuses_stop_polling(kind: str, phase: Phase) -> None:
    decision = cadence.after_status(status(kind, 100), NOW, history(), CONFIG, random.Random(1))
    assert decision == cadence.Decision(phase, None, decision.reason)


def test_a_predicted_completion_is_aimed_at() -> None:
    # 55 records left at 1.5 records/s: done in about 36.7 s.
    decision = cadence.after_status(
        status("in_progress", 45), NOW, history(throughput=1.5), CONFIG, random.Random(7)
    )
    assert decision.at == pytest.approx(NOW + 55 / 1.5 + cadence.COMPLETION_MARGIN)


def test_before_two_checks_the_server_timestamps_predict_completion() -> None:
    # 60 records between startedAt 11:41:00 and updatedAt 11:42:15: 40 more take 50 s.
    nearly_done = status("in_progress", 60)
    decision = cadence.after_status(nearly_done, NOW, history(), CONFIG, random.Random(7))
    assert decision.at == pytest.approx(NOW + 50 + cadence.COMPLETION_MARGIN)


@given(seeds)
def test_far_from_done_is_checked_at_the_long_end(seed: int) -> None:
    decision = cadence.after_status(
        status("in_progress", 45), NOW, history(throughput=0.1), CONFIG, random.Random(seed)
    )
    assert decision.at is not None and NOW + 52.5 <= decision.at <= NOW + 60


def test_a_prediction_sooner_than_30_s_waits_the_minimum() -> None:
    decision = cadence.after_status(
        status("in_progress", 95), NOW, history(throughput=10.0), CONFIG, random.Random(7)
    )
    assert decision.at == NOW + 30


def test_without_a_change_the_window_ends_30_minutes_after_the_first_check() -> None:
    late = NOW + 1800 - 20
    decision = cadence.after_status(
        status("in_progress"), late, history(), CONFIG, random.Random(1)
    )
    assert decision.phase is Phase.TIMED_OUT and decision.at is None


def test_the_window_runs_from_the_last_change() -> None:
    changed = history(last_change_at=NOW + 1000)
    at_old_end = NOW + 1800 - 20
    moving = cadence.after_status(
        status("in_progress"), at_old_end, changed, CONFIG, random.Random(1)
    )
    assert moving.phase is Phase.POLLING
    late = NOW + 1000 + 1800 - 20
    stopped = cadence.after_status(status("in_progress"), late, changed, CONFIG, random.Random(1))
    assert stopped.phase is Phase.TIMED_OUT and stopped.at is None


def test_a_last_check_lands_on_the_window_end_when_allowed() -> None:
    late = NOW + 1800 - 40
    decision = cadence.after_status(status("pending"), late, history(), CONFIG, random.Random(1))
    assert decision.at == NOW + 1800
    moved = history(last_change_at=NOW + 600)
    later = NOW + 600 + 1800 - 40
    decision = cadence.after_status(status("in_progress"), later, moved, CONFIG, random.Random(1))
    assert decision.at == NOW + 600 + 1800


def facts(
    *, last_progress_at: float | None = None, next_in_line: bool = True, stalled: bool = False
) -> cadence.ImportFacts:
    return cadence.ImportFacts(last_progress_at, next_in_line, stalled)


@given(seeds)
def test_a_pending_batch_behind_others_of_its_import_is_checked_at_the_slow_rate(
    seed: int,
) -> None:
    behind = history(pending=True, in_import=facts(next_in_line=False))
    decision = cadence.after_status(status("pending", 0), NOW, behind, CONFIG, random.Random(seed))
    assert decision.at is not None and decision.slow
    assert NOW + CONFIG.pending_interval <= decision.at <= NOW + 1.2 * CONFIG.pending_interval


@given(seeds, st.sampled_from(["pending", "in_progress"]))
def test_next_in_line_and_in_progress_keep_30_to_60_s(seed: int, kind: str) -> None:
    in_line = history(pending=kind == "pending", in_import=facts(next_in_line=kind == "pending"))
    decision = cadence.after_status(status(kind, 0), NOW, in_line, CONFIG, random.Random(seed))
    assert decision.at is not None and not decision.slow
    assert NOW + 30 <= decision.at <= NOW + 60


def test_a_pending_batch_of_a_moving_import_is_not_timed_out() -> None:
    moving = facts(last_progress_at=NOW + 3000, next_in_line=False)
    late = NOW + 3600
    waiting = cadence.after_status(
        status("pending", 0),
        late,
        history(pending=True, in_import=moving),
        CONFIG,
        random.Random(1),
    )
    assert waiting.phase is Phase.POLLING
    # In progress, its own last change counts, not the import's.
    running = cadence.after_status(
        status("in_progress"), late, history(in_import=moving), CONFIG, random.Random(1)
    )
    assert running.phase is Phase.TIMED_OUT


@given(seeds, st.sampled_from(["pending", "in_progress"]), st.floats(0, 10**6))
def test_a_stalled_import_goes_on_at_the_slow_rate_and_never_times_out(
    seed: int, kind: str, elapsed: float
) -> None:
    stalled = history(pending=kind == "pending", in_import=facts(stalled=True))
    decision = cadence.after_status(
        status(kind), NOW + elapsed, stalled, CONFIG, random.Random(seed)
    )
    assert decision.phase is Phase.POLLING and decision.at is not None
    assert decision.at >= NOW + elapsed + CONFIG.pending_interval


@given(seeds, st.floats(0, 600))
def test_a_hurried_check_is_never_sooner_than_the_documented_rate_allows(
    seed: int, since_last: float
) -> None:
    last = NOW - since_last
    slow_next = last + CONFIG.pending_interval
    at = cadence.hurried(
        slow_next, last, StatusKind.PENDING, facts(), NOW, CONFIG, random.Random(seed)
    )
    if at is not None:
        assert at >= max(NOW, last + 52.5) and at < slow_next
    still_behind = facts(next_in_line=False)
    kind = StatusKind.PENDING
    rng = random.Random(seed)
    assert cadence.hurried(slow_next, last, kind, still_behind, NOW, CONFIG, rng) is None


def failure(http_status: int, retry_after: float | None = None) -> ApiFailure:
    return failure_from_response(http_status, "application/json", b"", retry_after)


def test_401_stops_for_authentication() -> None:
    decision = cadence.after_failure(failure(401), NOW, history(), CONFIG, random.Random(1))
    assert decision.phase is Phase.AUTH_REQUIRED and decision.at is None


def test_404_stops_the_batch() -> None:
    decision = cadence.after_failure(failure(404), NOW, history(), CONFIG, random.Random(1))
    assert decision.phase is Phase.NOT_FOUND and decision.at is None


def test_404_soon_after_upload_gets_one_more_look_after_60_s() -> None:
    recent = history(uploaded_at=NOW - 90)
    decision = cadence.after_failure(failure(404), NOW, recent, CONFIG, random.Random(1))
    assert decision.phase is Phase.POLLING and decision.at == NOW + 60
    used = dataclasses.replace(recent, not_found_rechecks=1)
    assert cadence.after_failure(failure(404), NOW, used, CONFIG, random.Random(1)).at is None


transient = st.sampled_from(
    [
        failure(500),
        failure(502),
        failure(429, 5.0),
        transport_failure(FailureKind.TIMEOUT, "ReadTimeout"),
        transport_failure(FailureKind.NETWORK, "ConnectError"),
    ]
)


@given(seeds, transient, st.integers(min_value=1, max_value=40))
def test_backoff_is_never_sooner_than_30_s_and_grows_to_the_cap(
    seed: int, what: ApiFailure, failures: int
) -> None:
    delay = cadence.backoff_delay(what, failures, CONFIG, random.Random(seed))
    assert 30 <= delay <= CONFIG.backoff_cap


@given(seeds, st.floats(min_value=0, max_value=1700), st.floats(min_value=0, max_value=4000))
def test_retry_after_is_always_honoured(seed: int, elapsed: float, retry_after: float) -> None:
    now = NOW + elapsed
    decision = cadence.after_failure(
        failure(429, retry_after), now, history(consecutive_failures=1), CONFIG, random.Random(seed)
    )
    if decision.at is not None:
        assert decision.at >= now + retry_after
        assert decision.at <= NOW + CONFIG.window
    else:
        assert decision.phase is Phase.TIMED_OUT


def test_scaled_config_divides_every_duration() -> None:
    fast = CONFIG.scaled(60)
    assert fast.interval_min == 0.5 and fast.window == 30 and fast.first_check_max == 2
    assert fast.pending_interval == 5 and fast.stall_after == 15
