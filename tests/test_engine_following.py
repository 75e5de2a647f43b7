"""Followed batches in the engine (another program polls them): nothing is sent for them but
what a person asks and the program that polls cannot be asked to make; `lead` polls them again
from their last check, and no sooner than it is told; the sandbox's log is the proof."""

from __future__ import annotations

import asyncio
import uuid

from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.snapshots import record_of
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import ScriptedBatch

from .conftest import START
from .engine_support import close_run, make_run


def batch() -> ScriptedBatch:
    return ScriptedBatch(str(uuid.uuid4()), created_at=START, total_records=100_000, rate=1)


async def test_a_followed_batch_is_not_checked_and_shows_what_was_saved() -> None:
    polled = batch()
    run = make_run([polled])
    try:
        run.engine.watch(WatchTarget(polled.batch_id, run.client, label="mine"))
        run.engine.follow(None)
        await asyncio.sleep(0.05)
        run.clock.advance(600)
        await asyncio.sleep(0.05)
        assert run.server.request_log == []
        seen = BatchState(
            polled.batch_id, phase=Phase.POLLING, checks_made=4, last_checked_at=START
        )
        assert run.engine.adopt(polled.batch_id, run.client.base_url, record_of(seen))
        assert not run.engine.adopt(polled.batch_id, "http://elsewhere", record_of(seen))
        shown = run.engine.states[polled.batch_id]
        assert (shown.checks_made, shown.label) == (4, "mine")
    finally:
        await close_run(run)


async def test_a_check_nobody_can_be_asked_for_is_made_once_here() -> None:
    polled = batch()
    run = make_run([polled])
    asked: list[tuple[str, str]] = []
    try:
        run.engine.follow(None, asker=lambda b, a: asked.append((b, a)) is not None)
        run.engine.watch(WatchTarget(polled.batch_id, run.client))
        run.engine.check_now(polled.batch_id)
        while run.engine.states[polled.batch_id].checks_made == 0:
            await asyncio.sleep(0.001)
        assert asked == [(polled.batch_id, "check")]
        assert len(run.server.request_log) == 1
        run.engine.pause(polled.batch_id)  # asked for, never made here
        await asyncio.sleep(0.05)
        assert len(run.server.request_log) == 1
    finally:
        await close_run(run)


async def test_lead_respects_the_last_check_and_a_hold_also_for_batches_watched_later() -> None:
    checked, later = batch(), batch()
    run = make_run([checked, later])
    try:
        run.engine.follow(None)
        run.engine.watch(WatchTarget(checked.batch_id, run.client))
        seen = BatchState(
            checked.batch_id, phase=Phase.POLLING, checks_made=1, last_checked_at=START
        )
        run.engine.adopt(checked.batch_id, run.client.base_url, record_of(seen))
        run.clock.advance(10)
        run.engine.lead(None, not_before=START + 50)
        run.engine.watch(WatchTarget(later.batch_id, run.client))  # a batch added by hand
        while len(run.engine.states) < 2 or any(
            state.checks_made < 1 + (b == checked.batch_id)
            for b, state in run.engine.states.items()
        ):
            await asyncio.sleep(0.001)
        first = {r.batch_id: r.at for r in reversed(run.server.request_log)}
        assert first[checked.batch_id] >= START + 50 - 1e-6
        assert first[later.batch_id] >= START + 50 - 1e-6
    finally:
        await close_run(run)
