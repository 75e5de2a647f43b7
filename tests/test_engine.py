"""The engine against the sandbox over real loopback HTTP, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reap_tui.api.models import BatchStatus
from reap_tui.apikey import ApiKey
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import Fault, ScriptedBatch

from .conftest import START
from .engine_support import changes_seen, close_run, make_run, max_in_any_second, watch_all

WINDOW = CadenceConfig().window

faults = st.sampled_from(
    [
        None,
        None,
        None,
        Fault.server_error(),
        Fault.empty_500(),
        Fault.html_502(),
        Fault.malformed(),
        Fault.rate_limited(45),
        Fault.rate_limited(90, as_http_date=True),
        Fault.unavailable_503(40),
        Fault.reset(),
    ]
)


@st.composite
def scripted_batches(draw: st.DrawFn) -> ScriptedBatch:
    return ScriptedBatch(
        batch_id=str(uuid.UUID(int=draw(st.integers(0, 2**122)), version=4)),
        total_records=draw(st.integers(0, 3000)),
        created_at=START - draw(st.sampled_from([0, 30, 90, 600])),
        queue_wait=draw(st.floats(0, 900)),
        rate=draw(st.floats(0.5, 10)),
        fail_share=draw(st.floats(0, 0.3)),
        outcome=draw(st.sampled_from(["completed", "failed"])),
        status_spelling=draw(st.sampled_from(["lower", "upper", "processing"])),
        fault_cycle=tuple(draw(st.lists(faults, min_size=0, max_size=5))),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(scripted_batches(), min_size=1, max_size=4, unique_by=lambda b: b.batch_id),
    st.booleans(),
    st.integers(0, 1000),
)
async def test_cadence_invariants_hold_for_any_script_and_faults(
    batches: list[ScriptedBatch], uploaded: bool, seed: int
) -> None:
    run = make_run(batches, seed=seed)
    try:
        uploaded_at = START - 30 if uploaded else None
        watch_all(run, [b.batch_id for b in batches], uploaded_at=uploaded_at)
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=60)
        states = run.engine.states
        by_batch = run.requests_by_batch()
        for batch in batches:
            state = states[batch.batch_id]
            assert state.phase in (Phase.COMPLETED, Phase.FAILED, Phase.TIMED_OUT)
            requests = by_batch[batch.batch_id]
            times = [r.at for r in requests]
            assert times, "every batch is checked at least once"
            if uploaded_at is not None:
                assert times[0] >= uploaded_at + 60
            for earlier, later in itertools.pairwise(times):
                assert later - earlier >= 30 - 1e-6
            # No check after 30 minutes without a change (the first answer starts the window).
            window_from = max([times[0], *changes_seen(batch, requests)])
            assert times[-1] <= window_from + WINDOW + 1e-6
            for answered, following in itertools.pairwise(requests):
                if answered.http_status in (429, 503):
                    # The sandbox asked for 45-90 s (whole seconds for an HTTP date).
                    assert following.at - answered.at >= 40 - 1e-6
            finals = [r for r in requests if r.http_status == 200 and r.fault is None]
            if state.phase in (Phase.COMPLETED, Phase.FAILED):
                assert state.status is not None
                assert state.status.kind.value == batch.outcome
                assert requests[-1] is finals[-1], "no check after a final status"
    finally:
        await close_run(run)


async def test_two_hundred_batches_reach_their_outcomes_within_the_caps() -> None:
    batches = [
        ScriptedBatch(
            batch_id=str(uuid.UUID(int=index + 1, version=4)),
            total_records=100 + 7 * index,
            created_at=START - 60,
            queue_wait=(index % 5) * 60,
            rate=5 + index % 7,
            fail_share=0.02 * (index % 3),
            outcome="failed" if index % 10 == 0 else "completed",
        )
        for index in range(200)
    ]
    limits = Limits(max_in_flight=4, per_second=5)
    run = make_run(batches, limits=limits)
    try:
        watch_all(run, [b.batch_id for b in batches])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=120)
        states = run.engine.states
        for batch in batches:
            state = states[batch.batch_id]
            assert state.phase.value == batch.outcome, batch.batch_id
        log = run.server.request_log
        assert max_in_any_second([r.at for r in log]) <= 5
        assert run.server.max_in_flight <= 4
        per_batch = [len(requests) for requests in run.requests_by_batch().values()]
        print(
            f"\n200 batches: {len(log)} requests, per batch min {min(per_batch)} "
            f"max {max(per_batch)} mean {len(log) / 200:.1f}"
        )
        # A 30-minute window at no less than 30 s apart allows at most 61 checks.
        assert max(per_batch) <= WINDOW / 30 + 1
    finally:
        await close_run(run)


async def test_a_401_stops_every_poller_on_that_key_at_once() -> None:
    batches = [
        ScriptedBatch(str(uuid.UUID(int=i + 1, version=4)), created_at=START) for i in range(30)
    ]
    run = make_run(batches, key="sk-wrong-key-000000000", limits=Limits(4, 5))
    try:
        watch_all(run, [b.batch_id for b in batches])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        assert all(s.phase is Phase.AUTH_REQUIRED for s in run.engine.states.values())
        unauthorized = [r for r in run.server.request_log if r.http_status == 401]
        assert 0 < len(unauthorized) <= 4, "only requests already in flight may still fail"
        run.server.clear_log()

        run.engine.set_api_key(run.client, ApiKey(run.server.api_key))
        await asyncio.sleep(0)
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        assert all(s.phase is Phase.COMPLETED for s in run.engine.states.values())
        assert not [r for r in run.server.request_log if r.http_status == 401]
    finally:
        await close_run(run)


async def test_not_found_stops_and_an_early_404_after_upload_is_rechecked_once() -> None:
    late = ScriptedBatch(str(uuid.uuid4()), created_at=START, exists_from=START + 90)
    fixed_first_check = CadenceConfig(first_check_min=60, first_check_max=60)
    run = make_run([late], cadence=fixed_first_check)
    try:
        run.engine.watch(WatchTarget(late.batch_id, run.client, uploaded_at=START))
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        statuses = [r.http_status for r in run.server.request_log]
        assert statuses[0] == 404 and 200 in statuses
        assert run.engine.states[late.batch_id].phase is Phase.COMPLETED

        missing = str(uuid.uuid4())
        run.engine.watch(WatchTarget(missing, run.client))
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        state = run.engine.states[missing]
        assert state.phase is Phase.NOT_FOUND
        assert state.failure is not None and state.failure.code == "0701020100"
        assert [r.batch_id for r in run.server.request_log].count(missing) == 1
    finally:
        await close_run(run)


async def test_pause_check_now_and_resume() -> None:
    batch = ScriptedBatch(str(uuid.uuid4()), total_records=3000, created_at=START, rate=1)
    run = make_run([batch])
    try:
        watch_all(run, [batch.batch_id])
        while run.engine.states[batch.batch_id].checks_made < 2:
            await asyncio.sleep(0.001)
        run.engine.pause(batch.batch_id)
        while run.engine.health.in_flight:  # a request already out when paused is answered
            await asyncio.sleep(0.001)
        paused_at = len(run.server.request_log)
        run.clock.advance(600)
        await asyncio.sleep(0.05)
        assert run.engine.states[batch.batch_id].phase is Phase.PAUSED
        assert len(run.server.request_log) == paused_at, "no automatic check while paused"

        run.engine.check_now(batch.batch_id)
        while len(run.server.request_log) == paused_at:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        state = run.engine.states[batch.batch_id]
        assert state.phase is Phase.PAUSED and state.recent_checks[-1].manual

        run.engine.resume(batch.batch_id)
        assert run.engine.states[batch.batch_id].phase is Phase.POLLING
    finally:
        await close_run(run)


async def test_closing_the_engine_mid_request_leaves_nothing_running() -> None:
    batch = ScriptedBatch(str(uuid.uuid4()), created_at=START, faults={1: Fault.slow(5)})
    run = make_run([batch])
    try:
        watch_all(run, [batch.batch_id])
        while run.engine.limiter.in_flight == 0:
            await asyncio.sleep(0.001)
        await run.engine.aclose()
        assert run.engine.limiter.in_flight == 0
        others = [t for t in asyncio.all_tasks() if t.get_name().startswith("poller")]
        assert others == []
    finally:
        await close_run(run)


async def test_a_final_status_undone_by_a_later_answer_is_shown_as_an_anomaly() -> None:
    undone = Fault.rewritten(
        {"status": "in_progress", "processedRecords": 30, "summary.successfulRecords": 30}
    )
    batch = ScriptedBatch(
        str(uuid.uuid4()), total_records=40, created_at=START - 3600, faults={2: undone}
    )
    run = make_run([batch])
    try:
        watch_all(run, [batch.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        run.engine.check_now(batch.batch_id)

        async def answered_again() -> BatchStatus:
            # The next answer with a status: a check that ended in a network error (a kept-alive
            # connection the server had just closed) is retried, and the rewrite is its answer.
            while True:
                status = run.engine.states[batch.batch_id].status
                if status is not None and status.status.text != "completed":
                    return status
                await asyncio.sleep(0.001)

        status = await asyncio.wait_for(answered_again(), timeout=30)
        assert status.anomalies == (
            "status went back from completed to in_progress",
            "processedRecords went down from 40 to 30",
        )
    finally:
        await close_run(run)


async def test_a_401_while_another_request_is_out_stops_that_batch_too_and_nothing_spins() -> None:
    refused = ScriptedBatch(str(uuid.uuid4()), created_at=START, faults={1: Fault.unauthorized()})
    slow = ScriptedBatch(str(uuid.uuid4()), created_at=START, faults={1: Fault.slow(0.5)})
    run = make_run([slow, refused], limits=Limits(4, 100))
    try:
        watch_all(run, [slow.batch_id, refused.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        states = run.engine.states
        assert states[slow.batch_id].phase is Phase.AUTH_REQUIRED
        assert states[refused.batch_id].phase is Phase.AUTH_REQUIRED
        sent = len(run.server.request_log)

        run.engine.resume(slow.batch_id)
        late = str(uuid.uuid4())
        run.engine.watch(WatchTarget(late, run.client))
        published = len(run.published)
        run.clock.advance(600)
        await asyncio.sleep(0.2)
        assert run.engine.states[slow.batch_id].phase is Phase.AUTH_REQUIRED
        assert run.engine.states[late].phase is Phase.AUTH_REQUIRED
        assert len(run.server.request_log) == sent, "the refused key is not tried again"
        assert len(run.published) - published < 10, "no poller spins"
    finally:
        await close_run(run)


async def test_a_401_leaves_a_paused_batch_paused() -> None:
    refused = ScriptedBatch(str(uuid.uuid4()), created_at=START, faults={2: Fault.unauthorized()})
    paused = ScriptedBatch(str(uuid.uuid4()), created_at=START, total_records=100_000, rate=1)
    run = make_run([refused, paused])
    try:
        watch_all(run, [paused.batch_id])
        while run.engine.states[paused.batch_id].checks_made < 1:
            await asyncio.sleep(0.001)
        run.engine.pause(paused.batch_id)
        watch_all(run, [refused.batch_id])
        while run.engine.states[refused.batch_id].phase is not Phase.AUTH_REQUIRED:
            await asyncio.sleep(0.001)
        assert run.engine.states[paused.batch_id].phase is Phase.PAUSED
    finally:
        await close_run(run)


async def test_retry_after_quiets_every_batch_not_only_the_one_told() -> None:
    told = ScriptedBatch(
        str(uuid.uuid4()), created_at=START, faults={1: Fault.rate_limited(300)}, rate=1
    )
    other = ScriptedBatch(str(uuid.uuid4()), created_at=START, total_records=100_000, rate=1)
    run = make_run([told, other])
    try:
        watch_all(run, [told.batch_id, other.batch_id])
        while len(run.server.request_log) < 4:
            await asyncio.sleep(0.001)
        log = run.server.request_log
        limited = next(r for r in log if r.http_status == 429)
        after = [r for r in log if r.at > limited.at]
        assert after and all(r.at >= limited.at + 300 - 1e-6 for r in after)
    finally:
        await close_run(run)


async def test_resuming_a_batch_paused_by_an_earlier_run_waits_out_its_30_s() -> None:
    batch = ScriptedBatch(str(uuid.uuid4()), created_at=START, total_records=100_000, rate=1)
    run = make_run([batch])
    try:
        restored = BatchState(batch.batch_id, phase=Phase.PAUSED, last_checked_at=START - 5)
        run.engine.watch(WatchTarget(batch.batch_id, run.client, initial=restored))
        run.engine.resume(batch.batch_id)
        while not run.server.request_log:
            await asyncio.sleep(0.001)
        assert run.server.request_log[0].at >= START + 25 - 1e-6
    finally:
        await close_run(run)
