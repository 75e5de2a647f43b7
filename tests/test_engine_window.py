"""The 30-minute window runs from a batch's last observed change: what keeps moving is followed
to the end, what stops is given up 30 minutes later. Against the sandbox on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, ScriptedBatch

from .conftest import START
from .engine_support import batch_id_of, changes_seen, close_run, make_run, watch_all

WINDOW = CadenceConfig().window
FROZEN_FROM = 5  # the request from which the frozen batch's answers stop changing
FROZEN_AT = 5_000


def frozen_from(request_number: int, processed: int) -> dict[int, Fault]:
    """From `request_number` on, every answer says in progress at `processed` records."""
    frozen = Fault.rewritten(
        {
            "status": "in_progress",
            "processedRecords": processed,
            "summary.successfulRecords": processed,
        }
    )
    return {number: frozen for number in range(request_number, request_number + 500)}


def assert_checks_30_s_apart(times: list[float]) -> None:
    for earlier, later in itertools.pairwise(times):
        assert later - earlier >= 30 - 1e-6


async def test_a_batch_progressing_for_two_hours_is_followed_to_completion() -> None:
    # 50,400 records at 7 records/s: two hours of progress.
    long = ScriptedBatch(batch_id_of(0), total_records=50_400, created_at=START, rate=7)
    run = make_run([long])
    try:
        watch_all(run, [long.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=60)
        assert run.engine.states[long.batch_id].phase is Phase.COMPLETED
        assert Phase.TIMED_OUT not in {state.phase for state in run.published}
        times = [r.at for r in run.server.request_log]
        assert times[-1] - times[0] >= 7200 - 60
        assert_checks_30_s_apart(times)
    finally:
        await close_run(run)


@pytest.mark.parametrize("seed", [0, 3])  # 3: the window's end is 30 s or more away, 0: not
async def test_a_batch_that_stops_moving_times_out_30_minutes_after_its_last_change(
    seed: int,
) -> None:
    stuck = ScriptedBatch(
        batch_id_of(0),
        total_records=100_000,
        created_at=START,
        rate=1,
        faults=frozen_from(FROZEN_FROM, FROZEN_AT),
    )
    run = make_run([stuck], seed=seed)
    try:
        watch_all(run, [stuck.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=60)
        state = run.engine.states[stuck.batch_id]
        assert state.phase is Phase.TIMED_OUT
        requests = run.server.request_log
        times = [r.at for r in requests]
        assert_checks_30_s_apart(times)
        # The first frozen answer is the last change: 4 plain answers each moved before it.
        assert len(changes_seen(stuck, requests)) == FROZEN_FROM - 1
        last_change = times[FROZEN_FROM - 1]
        assert state.last_change_at == last_change
        end = last_change + WINDOW
        assert times[-1] <= end + 1e-6
        # The last check lands on the window's end when that is at least 30 s after the one
        # before; otherwise the one before was the last.
        landed = abs(times[-1] - end) < 1e-6
        assert landed or (end - times[-1] < 30 and times[-1] > end - 60)
        if landed:
            assert end - times[-2] >= 30 - 1e-6
        assert times[-1] - times[0] > WINDOW, "the window moved with the batch"

        # A manual restart opens a fresh window, which ends 30 minutes after its first check.
        sent = len(requests)
        run.engine.resume(stuck.batch_id)
        await asyncio.sleep(0)
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=60)
        assert run.engine.states[stuck.batch_id].phase is Phase.TIMED_OUT
        fresh = [r.at for r in run.server.request_log[sent:]]
        assert fresh and fresh[-1] - fresh[0] <= WINDOW + 1e-6
        assert fresh[-1] - fresh[0] > WINDOW - 60
    finally:
        await close_run(run)


async def test_a_batch_pending_throughout_times_out_30_minutes_after_its_first_check() -> None:
    waiting = ScriptedBatch(batch_id_of(0), created_at=START, queue_wait=10**7)
    run = make_run([waiting])
    try:
        watch_all(run, [waiting.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=60)
        assert run.engine.states[waiting.batch_id].phase is Phase.TIMED_OUT
        times = [r.at for r in run.server.request_log]
        assert times[0] == START
        assert WINDOW - 60 < times[-1] - START <= WINDOW + 1e-6
    finally:
        await close_run(run)
