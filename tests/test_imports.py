"""An import's numbers from its batches' states, each checked against a hand computation on a
fake timeline, and the ETA's accuracy on a simulated import with Reap's pickup gaps."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from reap_tui.api.models import StatusKind
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.imports import (
    BatchCounts,
    BatchGroup,
    ImportRules,
    ImportState,
    import_numbers,
)
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress

from .import_timeline import START, Pickup, Watcher, batch_id, run_processor, status_of

T = START


def batch(
    number: int,
    kind: StatusKind | None,
    total: int = 5000,
    *,
    history: Sequence[tuple[float, int]] = (),
    failed: int = 0,
    pending_checks: Sequence[float] = (),
    checked_at: float | None = None,
    phase: Phase | None = None,
    uploaded_at: float | None = T,
) -> BatchState:
    """Batch `number` seen pending at `pending_checks`, then at each (time, processed) of
    `history`; its latest status is `kind` with the last history point's count."""
    processed = history[-1][1] if history else 0
    checks = [CheckRecord(at, 200, "pending") for at in pending_checks]
    checks += [CheckRecord(at, 200, "in_progress") for at, _ in history]
    last = checked_at if checked_at is not None else max((c.at for c in checks), default=None)
    done = kind in (StatusKind.COMPLETED, StatusKind.FAILED)
    if phase is None:
        phase = Phase(kind.value) if done and kind else Phase.POLLING
    return BatchState(
        batch_id=batch_id(number),
        phase=phase,
        status=None if kind is None else status_of(number, kind, total, processed, failed),
        checks_made=len(checks),
        first_check_at=checks[0].at if checks else None,
        last_checked_at=last,
        uploaded_at=uploaded_at,
        history=tuple(Progress(at, n, 0) for at, n in history),
        recent_checks=tuple(checks),
        last_change_at=_changed_at(history, pending_checks, final=done),
    )


def _changed_at(
    history: Sequence[tuple[float, int]], pending_checks: Sequence[float], *, final: bool
) -> float | None:
    """When a check first saw the batch as it is now, as the engine records it: the last point
    of a finished batch's history, the first at its latest count, or the first pending check."""
    if history:
        if final:
            return history[-1][0]
        return next(at for at, processed in history if processed == history[-1][1])
    return pending_checks[0] if pending_checks else None


def gapped_import() -> list[BatchState]:
    """Three 5,000-row batches at 7 records/s, the processor idle between one batch's end and the
    next pickup: batch 0 ran from T+300 to T+1014 (50 records failed), batch 1 started at T+1200
    and is at 2,100, batch 2 waits."""
    return [
        batch(
            0,
            StatusKind.COMPLETED,
            history=[(T + 330, 210), (T + 390, 630), (T + 1020, 5000)],
            failed=50,
            pending_checks=[T + 90, T + 300],
        ),
        batch(
            1,
            StatusKind.IN_PROGRESS,
            history=[(T + 1230, 210), (T + 1290, 630), (T + 1500, 2100)],
            pending_checks=[T + 95, T + 1190],
        ),
        batch(2, StatusKind.PENDING, pending_checks=[T + 100, T + 1480]),
    ]


def test_a_working_import_by_hand() -> None:
    numbers = import_numbers(gapped_import(), T + 1510)

    assert numbers.by_group == BatchCounts(pending=1, in_progress=1, completed_with_failures=1)
    assert numbers.groups == (
        BatchGroup.COMPLETED_WITH_FAILURES,
        BatchGroup.IN_PROGRESS,
        BatchGroup.PENDING,
    )
    assert (numbers.total_records, numbers.processed_records) == (15_000, 7_100)
    assert (numbers.successful_records, numbers.failed_records) == (7_050, 50)
    assert numbers.remaining_records == 7_900
    assert numbers.failure_rate == pytest.approx(50 / 7_100)
    assert numbers.percent_done == pytest.approx(100 * 7_100 / 15_000)
    # From the first pickup (T+300) to the latest observation (T+1500), pickup gap included.
    assert numbers.throughput_measured
    assert numbers.throughput == pytest.approx(7_100 / 1_200)
    rate = 7_100 / 1_200
    assert numbers.finish_at == pytest.approx(T + 1_500 + 7_900 / rate)
    assert numbers.eta == pytest.approx(1_500 + 7_900 / rate - 1_510)
    # Batch 2 starts when batch 1's 2,900 records left are done.
    assert numbers.predicted_starts == (None, None, pytest.approx(T + 1_500 + 2_900 / rate))
    assert numbers.last_progress_at == T + 1_500
    assert numbers.since_progress == 10
    assert not numbers.stalled
    assert numbers.state is ImportState.WORKING


def test_throughput_is_measured_over_the_last_hour() -> None:
    """7 records/s for an hour, 3.5/s for 50 minutes, 7/s again for 10: the last hour is what
    counts, neither the last few minutes nor the whole run."""
    per_minute = [420] * 60 + [210] * 50 + [420] * 10
    history = [(T + 60 * (m + 1), sum(per_minute[: m + 1])) for m in range(len(per_minute))]
    state = batch(0, StatusKind.IN_PROGRESS, 100_000, history=history, pending_checks=[T])

    numbers = import_numbers([state], T + 7_200)

    last_hour = 210 * 50 + 420 * 10
    assert numbers.throughput == pytest.approx(last_hour / 3_600)
    assert numbers.eta == pytest.approx((100_000 - 39_900) / (last_hour / 3_600))


def test_a_stuck_batch_beside_working_ones_slows_the_sum_without_zeroing_it() -> None:
    """Two batches shared the processor at 3.5/s each; batch 0 stopped moving at T+600 while
    batch 1 went on at 3.5/s: over T..T+1200 the sum rose by 2,100 + 4,200."""
    minutes = range(1, 21)
    stuck = [(T + 60 * m, 210 * min(m, 10)) for m in minutes]
    going = [(T + 60 * m, 210 * m) for m in minutes]
    states = [
        batch(0, StatusKind.IN_PROGRESS, history=stuck, pending_checks=[T]),
        batch(1, StatusKind.IN_PROGRESS, history=going, pending_checks=[T]),
    ]

    numbers = import_numbers(states, T + 1_200)

    assert numbers.throughput == pytest.approx((2_100 + 4_200) / 1_200)
    assert numbers.eta == pytest.approx((2_900 + 800) / numbers.throughput)
    assert numbers.last_progress_at == T + 1_200


def test_with_no_history_the_documented_rate_stands_in() -> None:
    states = [
        batch(0, StatusKind.PENDING, pending_checks=[T + 90]),
        batch(1, StatusKind.PENDING, pending_checks=[T + 100]),
    ]

    numbers = import_numbers(states, T + 120)

    assert not numbers.throughput_measured
    assert numbers.throughput == 7.0
    # Batch 0 waits for the first pickup, 10 minutes after the upload; then 10,000 records.
    assert numbers.predicted_starts == (T + 600, pytest.approx(T + 600 + 5_000 / 7))
    assert numbers.finish_at == pytest.approx(T + 600 + 10_000 / 7)
    assert numbers.eta == pytest.approx(600 + 10_000 / 7 - 120)


def test_one_check_in_progress_is_not_yet_a_measurement() -> None:
    states = [batch(0, StatusKind.IN_PROGRESS, history=[(T + 330, 210)], pending_checks=[T + 300])]

    numbers = import_numbers(states, T + 331)

    assert not numbers.throughput_measured
    assert numbers.throughput == 7.0
    assert numbers.eta == pytest.approx(330 + 4_790 / 7 - 331)


def test_one_check_of_batches_sharing_the_processor_uses_their_server_times() -> None:
    """Three batches sharing 7 records/s, each started at T+300 and at 2,100 records when the
    server last updated it (T+1200), seen once at T+1210: the import runs at 7/s, not at three
    times the documented rate."""
    states = [
        dataclasses.replace(
            batch(number, StatusKind.IN_PROGRESS, history=[(T + 1_210, 2_100)]),
            status=status_of(
                number,
                StatusKind.IN_PROGRESS,
                5_000,
                2_100,
                started_at=T + 300,
                updated_at=T + 1_200,
            ),
        )
        for number in range(3)
    ]

    numbers = import_numbers(states, T + 1_211, ImportRules(default_rate=1.0))

    assert numbers.throughput_measured
    assert numbers.throughput == pytest.approx(7.0)
    assert numbers.eta == pytest.approx(3 * 2_900 / 7.0 - 1)


def test_batches_only_ever_seen_finished_are_not_a_measurement() -> None:
    """Batches grouped into an import after they finished: their records were not watched being
    processed, so they give no throughput (not 10,000 records in a few seconds)."""
    states = [
        batch(0, StatusKind.COMPLETED, history=[(T + 5, 5000)]),
        batch(1, StatusKind.COMPLETED, history=[(T + 6, 5000)]),
    ]

    numbers = import_numbers(states, T + 10)

    assert not numbers.throughput_measured
    assert numbers.state is ImportState.FINISHED
    assert (numbers.eta, numbers.finish_at) == (0.0, T + 6)


def test_an_import_of_finished_batches() -> None:
    states = [
        batch(0, StatusKind.COMPLETED, history=[(T + 330, 210), (T + 1020, 5000)]),
        batch(1, StatusKind.COMPLETED, 2000, history=[(T + 1230, 210), (T + 1530, 2000)]),
    ]

    numbers = import_numbers(states, T + 5_000)

    assert numbers.by_group == BatchCounts(completed=2)
    assert numbers.state is ImportState.FINISHED
    assert (numbers.processed_records, numbers.total_records, numbers.failed_records) == (
        7_000,
        7_000,
        0,
    )
    assert numbers.failure_rate == 0.0
    assert numbers.remaining_records == 0
    assert (numbers.eta, numbers.finish_at) == (0.0, T + 1_530)
    assert not numbers.stalled  # an hour without progress, but nothing is left to do
    assert numbers.predicted_starts == (None, None)


def test_finished_with_failed_records() -> None:
    states = [
        batch(0, StatusKind.COMPLETED, history=[(T + 1020, 5000)], failed=12),
        batch(1, StatusKind.COMPLETED, history=[(T + 2000, 5000)], failed=0),
    ]

    numbers = import_numbers(states, T + 2_010)

    assert numbers.state is ImportState.FINISHED_WITH_FAILURES
    assert numbers.by_group == BatchCounts(completed=1, completed_with_failures=1)
    assert (numbers.successful_records, numbers.failed_records) == (9_988, 12)
    assert numbers.failure_rate == pytest.approx(12 / 10_000)


def test_a_failed_batch() -> None:
    """A batch that failed part-way: its unprocessed records are not left to do."""
    failed = batch(1, StatusKind.FAILED, history=[(T + 1230, 210), (T + 1500, 2100)])
    done = batch(0, StatusKind.COMPLETED, history=[(T + 330, 210), (T + 1020, 5000)])
    pending = batch(2, StatusKind.PENDING, pending_checks=[T + 1480])

    working = import_numbers([done, failed, pending], T + 1_510)
    finished = import_numbers([done, failed], T + 1_510)

    assert working.state is ImportState.WORKING
    assert working.by_group == BatchCounts(pending=1, completed=1, failed=1)
    assert working.remaining_records == 5_000
    assert finished.state is ImportState.FAILED
    assert finished.remaining_records == 0
    assert (finished.processed_records, finished.total_records) == (7_100, 10_000)
    assert finished.eta == 0.0


def test_batches_no_longer_followed_are_stopped() -> None:
    history = [(T + 330, 210), (T + 390, 630)]
    states = [
        batch(0, StatusKind.COMPLETED, history=[(T + 330, 210), (T + 1020, 5000)]),
        batch(1, StatusKind.IN_PROGRESS, history=history, phase=Phase.TIMED_OUT),
        batch(2, StatusKind.IN_PROGRESS, history=history, phase=Phase.PAUSED),
        batch(3, None, phase=Phase.NOT_FOUND),
    ]

    numbers = import_numbers(states, T + 1_100)
    lost = import_numbers([states[0], states[3]], T + 1_100)

    assert numbers.by_group == BatchCounts(completed=1, stopped=3)
    # A timed-out or paused batch may still be processed by Reap: its records are left to do.
    assert numbers.remaining_records == 2 * 4_370
    assert numbers.unknown_batches == 0
    assert numbers.state is ImportState.WORKING
    # A batch Reap does not know will never be processed: the import failed.
    assert lost.state is ImportState.FAILED


def test_stalled_after_the_threshold_and_not_a_second_before() -> None:
    """Batch 0 last moved at T+600 and is still checked; nothing has moved since."""
    stuck = [(T + 330, 210), (T + 600, 2100), (T + 660, 2100), (T + 1400, 2100)]
    states = [
        batch(0, StatusKind.IN_PROGRESS, history=stuck, pending_checks=[T + 300]),
        batch(1, StatusKind.PENDING, pending_checks=[T + 100, T + 1_480]),
    ]

    before = import_numbers(states, T + 600 + 899)
    at = import_numbers(states, T + 600 + 900)

    assert before.since_progress == 899
    assert not before.stalled
    assert before.state is ImportState.WORKING
    assert at.since_progress == 900
    assert at.stalled
    assert at.state is ImportState.STALLED
    assert at.last_progress_at == T + 600


def test_stalled_before_anything_started_counts_from_the_first_answer() -> None:
    """Pending since the first check (T+90): no change is news for 15 minutes from there."""
    states = [batch(0, StatusKind.PENDING, pending_checks=[T + 90, T + 800], uploaded_at=T + 10)]

    assert not import_numbers(states, T + 989).stalled
    assert import_numbers(states, T + 990).state is ImportState.STALLED
    assert import_numbers(states, T + 990).since_progress == 900
    longer = ImportRules(stall_after=1_800.0)
    assert import_numbers(states, T + 990, longer).state is ImportState.WORKING


def test_nothing_is_stalled_before_any_check_has_answered() -> None:
    """As the engine has it: no answer yet is no news, neither progress nor a stall."""
    states = [batch(0, None, uploaded_at=T), batch(1, None, uploaded_at=T)]

    numbers = import_numbers(states, T + 7_200)

    assert (numbers.last_progress_at, numbers.since_progress) == (None, None)
    assert not numbers.stalled
    assert numbers.state is ImportState.WORKING


def test_the_rules_follow_the_cadence_in_force() -> None:
    fast = CadenceConfig(stall_after=1_200.0).scaled(20)

    rules = ImportRules.for_cadence(fast, speed=20)

    assert rules.stall_after == 60.0
    assert rules.pickup_interval == 30.0
    assert rules.default_rate == 140.0


def test_predicted_starts_follow_the_batches_ahead() -> None:
    """Batch 1 is at 2,100 of 5,000; batches 2-4 wait. Batch 3 has not been checked yet: its
    size comes from the plan if given, else nothing after it can be predicted."""
    states = [
        *gapped_import()[:2],
        batch(2, StatusKind.PENDING, pending_checks=[T + 1480]),
        batch(3, None, uploaded_at=T + 1_400),
        batch(4, StatusKind.PENDING, 1_000, pending_checks=[T + 1490]),
    ]
    rate = 7_100 / 1_200

    unplanned = import_numbers(states, T + 1_510)
    planned = import_numbers(states, T + 1_510, planned_records={batch_id(3): 4_000})

    first = T + 1_500 + 2_900 / rate
    assert unplanned.predicted_starts == (
        None,
        None,
        pytest.approx(first),
        pytest.approx(first + 5_000 / rate),
        None,
    )
    assert unplanned.unknown_batches == 1
    assert unplanned.total_records == 16_000
    assert planned.unknown_batches == 0
    assert planned.total_records == 20_000
    assert planned.predicted_starts[4] == pytest.approx(first + 9_000 / rate)
    assert planned.finish_at == pytest.approx(T + 1_500 + (2_900 + 10_000) / rate)


def test_an_idle_processor_picks_the_next_batch_up_within_the_pickup_interval() -> None:
    """Batch 0 finished at T+1020; batch 1 waits for the next pickup, at T+1620 at the latest,
    and batch 2 follows it at the import's rate."""
    states = [
        batch(
            0,
            StatusKind.COMPLETED,
            history=[(T + 330, 210), (T + 1020, 5000)],
            pending_checks=[T + 300],
        ),
        batch(1, StatusKind.PENDING, pending_checks=[T + 1050]),
        batch(2, StatusKind.PENDING, pending_checks=[T + 1060]),
    ]
    slow = ImportRules(min_measured_span=10_000.0)  # not measured yet: the pickup is explicit

    numbers = import_numbers(states, T + 1_100, slow)
    measured = import_numbers(states, T + 1_100)

    assert numbers.predicted_starts == (None, T + 1_620, pytest.approx(T + 1_620 + 5_000 / 7))
    # A measured rate already averages the pickup waits in: the next batch is due now.
    assert measured.predicted_starts[1] == T + 1_100


def test_counts_the_server_contradicts_are_clamped() -> None:
    state = batch(0, StatusKind.IN_PROGRESS, 100, history=[(T + 60, 150)], failed=400)

    numbers = import_numbers([state], T + 61)

    assert (numbers.processed_records, numbers.failed_records) == (100, 100)
    assert numbers.successful_records == 0
    assert numbers.remaining_records == 0


def test_rules_scale_with_the_sandbox_speed() -> None:
    fast = ImportRules().scaled(60)

    assert fast == ImportRules(
        stall_after=15.0,
        pickup_interval=10.0,
        default_rate=420.0,
        throughput_window=60.0,
        min_measured_span=1.0,
    )
    with pytest.raises(ValueError):
        ImportRules().scaled(0)


ETA_CASES = [
    pytest.param(sizes, pickup, first, id=f"{pickup}-{len(sizes)}x-{first:.0f}s")
    for pickup in ("idle", "each", "all")
    for sizes, first in (
        ((5000,) * 20, 300.0),
        ((5000,) * 4 + (3456,), 590.0),
        ((5000,) * 19 + (1234,), 10.0),
    )
]


@pytest.mark.parametrize(("sizes", "pickup", "first_pickup"), ETA_CASES)
def test_eta_within_ten_percent_at_a_quarter_half_and_three_quarters(
    sizes: tuple[int, ...], pickup: Pickup, first_pickup: float
) -> None:
    """Reap's processor at a shared 7 records/s with a pickup every 10 minutes, watched on the
    documented cadence: when a quarter, half and three quarters of the records are seen done, the
    predicted finish is within 10% of the time actually left."""
    run = run_processor(sizes, pickup=pickup, first_pickup=first_pickup)
    watcher = Watcher(run, seed=len(sizes))
    total = sum(sizes)
    errors: list[float] = []
    for share in (0.25, 0.5, 0.75):
        while watcher.seen_processed < share * total:
            at = watcher.step()
            assert at is not None
        numbers = import_numbers(watcher.states(), at)
        assert numbers.throughput_measured
        assert numbers.finish_at is not None
        errors.append((numbers.finish_at - run.finished_at) / (run.finished_at - at))

    assert max(abs(e) for e in errors) <= 0.10, errors
