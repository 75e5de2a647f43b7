"""Cadence inside an import, against the sandbox on a fake clock: batches that wait their turn
behind the others are neither timed out nor checked often, and an import that stops moving is
flagged as stalled when its time comes and not before."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Sequence

import pytest

from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.import_book import ImportActivity, ImportMembership
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import Phase
from reap_tui.sandbox import RequestRecord, ScriptedBatch
from reap_tui.sandbox.script import BatchTimeline, status_document

from .conftest import START
from .engine_support import Run, batch_id_of, close_run, make_run, run_until
from .test_engine_window import assert_checks_30_s_apart, frozen_from

CADENCE = CadenceConfig()
PICKUP_EVERY = 600.0  # Reap's processor looks for pending batches every 10 minutes
RECORDS = 5_000
RATE = 7.0  # records/s: a 5,000-row batch takes about 12 minutes


def shared_queue(count: int) -> list[ScriptedBatch]:
    """An import processed as Reap does: one batch at a time, in order, each picked up at the
    first 10-minute pass after the one ahead of it has finished."""
    batches = []
    free_at = 0.0
    for index in range(count):
        pickup = PICKUP_EVERY * math.ceil(free_at / PICKUP_EVERY)
        batches.append(
            ScriptedBatch(
                batch_id_of(index),
                total_records=RECORDS,
                created_at=START,
                queue_wait=pickup,
                rate=RATE,
            )
        )
        free_at = pickup + RECORDS / RATE
    return batches


def watch_import(run: Run, name: str, batches: Sequence[ScriptedBatch]) -> None:
    for position, batch in enumerate(batches):
        membership = ImportMembership(name, position)
        run.engine.watch(WatchTarget(batch.batch_id, run.client, in_import=membership))


def pending_at(batch: ScriptedBatch, request: RequestRecord) -> bool:
    return bool(status_document(batch, request.at, 1.0)["status"] == "pending")


async def test_a_twenty_batch_import_is_followed_to_the_end_on_the_slow_and_documented_rates() -> (
    None
):
    batches = shared_queue(20)
    starts = [BatchTimeline.of(batch, 1.0).started_at for batch in batches]
    run = make_run(batches)
    try:
        watch_import(run, "March", batches)
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=300)
        assert {state.phase for state in run.engine.states.values()} == {Phase.COMPLETED}
        assert Phase.TIMED_OUT not in {state.phase for state in run.published}
        by_batch = run.requests_by_batch()
        slow_gaps = documented_gaps = 0
        for index, batch in enumerate(batches):
            requests = by_batch[batch.batch_id]
            assert_checks_30_s_apart([r.at for r in requests])
            for earlier, later in itertools.pairwise(requests):
                if not pending_at(batch, earlier):
                    continue
                gap = later.at - earlier.at
                if index > 0 and later.at < starts[index - 1]:
                    # The batch ahead had not even started: not next in line.
                    assert gap >= CADENCE.pending_interval - 1e-6
                    slow_gaps += 1
                elif index == 0 or earlier.at > starts[index - 1] + 2 * CADENCE.interval_max:
                    # Next in line, and the engine has seen the batch ahead start.
                    assert CADENCE.interval_min <= gap <= CADENCE.interval_max + 1
                    documented_gaps += 1
        assert slow_gaps > 100 and documented_gaps > 100
        for ahead, batch in itertools.pairwise(batches):
            # Once the batch ahead is seen started, the next in line is back on 30-60 s at
            # once, not at the end of its slow wait.
            seen = next(r for r in by_batch[ahead.batch_id] if not pending_at(ahead, r))
            before = [r.at for r in by_batch[batch.batch_id] if r.at <= seen.at]
            after = next(r.at for r in by_batch[batch.batch_id] if r.at > seen.at)
            latest = before[-1] + CADENCE.interval_max if before else seen.at
            assert after <= max(seen.at, latest) + 1
        print(f"\n20-batch import: {len(run.server.request_log)} requests")
    finally:
        await close_run(run)


async def test_a_stalled_import_is_flagged_15_minutes_after_its_last_change_and_slowed() -> None:
    # The first batch moves for four answers, then stays put for its next 30; the two
    # behind it wait their turn.
    moving = ScriptedBatch(
        batch_id_of(0),
        total_records=100_000,
        created_at=START,
        rate=1,
        faults={
            number: fault for number, fault in frozen_from(5, 5_000).items() if number < 5 + 30
        },
    )
    waiting = [
        ScriptedBatch(batch_id_of(index), created_at=START, queue_wait=10**7) for index in (1, 2)
    ]
    events: list[tuple[float, ImportActivity]] = []
    run = make_run(
        [moving, *waiting], on_import=lambda state: events.append((run.clock.now(), state))
    )
    try:
        watch_import(run, "March", [moving, *waiting])
        await run_until(run, START + 4 * 3600)
        by_batch = run.requests_by_batch()
        first = by_batch[moving.batch_id]
        last_change = first[4].at  # the first frozen answer
        stalled_at, stalled = events[0]
        assert stalled.stalled and stalled.name == "March"
        assert stalled.stalled_since == last_change + CADENCE.stall_after
        assert stalled_at == pytest.approx(stalled.stalled_since, abs=1e-6)
        assert stalled.last_progress_at == last_change

        # Moving again (the 35th answer is the script's own again) ends the stall.
        moved = first[34]
        resumed_at, resumed = events[1]
        assert not resumed.stalled and resumed_at == moved.at == resumed.last_progress_at
        assert len(events) == 2

        for batch in (moving, *waiting):
            times = [r.at for r in by_batch[batch.batch_id]]
            assert_checks_30_s_apart(times)
            stalled_gaps = [
                later - earlier
                for earlier, later in itertools.pairwise(times)
                if stalled_at <= earlier and later < moved.at
            ]
            assert stalled_gaps and min(stalled_gaps) >= CADENCE.pending_interval - 1e-6
        # Stalled, nothing was given up on: the batches went on at the slow rate.
        assert Phase.TIMED_OUT not in {state.phase for state in run.published}
    finally:
        await close_run(run)


async def test_a_stalled_import_goes_on_until_paused() -> None:
    waiting = [
        ScriptedBatch(batch_id_of(index), created_at=START, queue_wait=10**7) for index in range(3)
    ]
    events: list[ImportActivity] = []
    run = make_run(waiting, on_import=events.append)
    try:
        watch_import(run, "April", waiting)
        await run_until(run, START + 3 * 3600)
        assert [event.stalled for event in events] == [True]
        assert run.engine.imports["April"].stalled
        assert {state.phase for state in run.engine.states.values()} == {Phase.POLLING}
        run.engine.pause_all()
        while run.engine.health.in_flight:  # a request already out is answered
            await asyncio.sleep(0.001)
        sent = len(run.server.request_log)
        run.clock.advance(2 * 3600)  # nothing sleeps any more: the clock moves only when told
        await asyncio.sleep(0.05)
        assert len(run.server.request_log) == sent
    finally:
        await close_run(run)
