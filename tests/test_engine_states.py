"""What the engine says about each check is so: "queued" while a check waits its turn under the
limits, "checking…" only while its request is out, and, with no API key, nothing is sent at
all. Against the sandbox on a fake clock."""

from __future__ import annotations

import asyncio

from reap_tui import format as fmt
from reap_tui.apikey import ApiKey
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import ScriptedBatch

from .conftest import START
from .engine_support import KEY, batch_id_of, close_run, make_run, watch_all

LIMITS = Limits(max_in_flight=4, per_second=2)


async def test_a_burst_behind_the_rate_cap_reads_queued_and_only_requests_out_read_checking() -> (
    None
):
    batches = [ScriptedBatch(batch_id_of(i), created_at=START - 3600) for i in range(20)]
    latest: dict[str, BatchState] = {}
    untrue: list[str] = []  # collected: an assertion raised inside a publish would stop a poller
    most_queued = 0

    def on_state(state: BatchState) -> None:
        nonlocal most_queued
        latest[state.batch_id] = state
        now = run.clock.now()
        shown = {b: fmt.next_check(s, now) for b, s in latest.items()}
        checking = list(shown.values()).count("checking…")
        in_flight = run.engine.health.in_flight
        if not checking == in_flight <= LIMITS.max_in_flight:
            untrue.append(f"{checking} say checking with {in_flight} in flight")
        for batch_id, each in latest.items():
            due = each.next_check_at is not None and each.next_check_at <= now
            if due and not each.checking and shown[batch_id] != "queued":
                untrue.append(f"{batch_id} is waiting its turn but says {shown[batch_id]}")
        most_queued = max(most_queued, list(shown.values()).count("queued"))

    run = make_run(batches, limits=LIMITS, on_state=on_state)
    try:
        watch_all(run, [b.batch_id for b in batches])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        assert {s.phase for s in run.engine.states.values()} == {Phase.COMPLETED}
        assert untrue == []
        assert most_queued >= 10, "most of the burst waits its turn, and says so"
        assert len(run.server.request_log) == 20
    finally:
        await close_run(run)


async def test_the_engine_counts_the_checks_waiting_their_turn() -> None:
    batches = [ScriptedBatch(batch_id_of(i), created_at=START - 3600) for i in range(12)]
    run = make_run(batches, limits=LIMITS)
    try:
        watch_all(run, [b.batch_id for b in batches])
        queued = []
        while len(run.server.request_log) < 12:
            health = run.engine.health
            queued.append(health.queued)
            assert health.queued + health.in_flight <= 12
            await asyncio.sleep(0.001)
        assert max(queued) >= 12 - LIMITS.max_in_flight
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        assert run.engine.health.queued == 0
    finally:
        await close_run(run)


async def test_without_a_key_nothing_is_sent_until_one_is_set() -> None:
    batches = [ScriptedBatch(batch_id_of(i), created_at=START - 3600) for i in range(10)]
    run = make_run(batches, key=None)
    try:
        watch_all(run, [b.batch_id for b in batches])
        states = run.engine.states.values()
        assert {s.phase for s in states} == {Phase.AUTH_REQUIRED}, "key needed at once"
        for state in states:
            assert state.failure is not None
            assert (state.failure.code, state.failure.http_status) == ("0000000100", None)
            assert "press k" in state.failure.action
            assert fmt.next_check(state, run.clock.now()) == "key needed (k)"
        published = len(run.published)

        run.engine.check_now(batches[0].batch_id)
        run.engine.check_all()
        run.engine.resume_all()
        run.clock.advance(3600)
        await asyncio.sleep(0.05)
        assert run.server.request_log == []
        assert run.engine.health.requests_made == 0
        assert len(run.published) == published, "nothing spins, nothing is said twice"

        run.engine.set_api_key(run.client, ApiKey(KEY))
        await asyncio.sleep(0)
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        assert {s.phase for s in run.engine.states.values()} == {Phase.COMPLETED}
        assert len(run.server.request_log) == len(batches)
        assert {r.http_status for r in run.server.request_log} == {200}
    finally:
        await close_run(run)


async def test_removing_the_key_stops_every_batch_before_its_next_request() -> None:
    endless = [
        ScriptedBatch(batch_id_of(i), total_records=100_000, created_at=START, rate=1)
        for i in range(3)
    ]
    run = make_run(endless)
    try:
        watch_all(run, [b.batch_id for b in endless])
        while len(run.server.request_log) < 3:
            await asyncio.sleep(0.001)
        run.engine.set_api_key(run.client, None)
        assert {s.phase for s in run.engine.states.values()} == {Phase.AUTH_REQUIRED}
        while run.engine.health.in_flight:  # a request already out is answered
            await asyncio.sleep(0.001)
        sent = len(run.server.request_log)
        run.clock.advance(3600)
        await asyncio.sleep(0.05)
        assert len(run.server.request_log) == sent
        assert {s.phase for s in run.engine.states.values()} == {Phase.AUTH_REQUIRED}
    finally:
        await close_run(run)


async def test_a_check_asked_for_by_hand_reads_queued_until_its_request_is_out() -> None:
    done = ScriptedBatch(batch_id_of(0), created_at=START - 3600)
    run = make_run([done])
    try:
        watch_all(run, [done.batch_id])
        await asyncio.wait_for(run.engine.wait_until_all_final(), timeout=30)
        published = len(run.published)
        run.engine.check_now(done.batch_id)
        run.engine.check_now(done.batch_id)  # a second press while the first waits adds nothing
        asked = run.engine.states[done.batch_id]
        assert fmt.next_check(asked, run.clock.now()) == "queued"
        while run.engine.states[done.batch_id].checks_made < 2:
            await asyncio.sleep(0.001)
        after = run.engine.states[done.batch_id]
        assert fmt.next_check(after, run.clock.now()) == "finished"
        # Queued, checking, answered: one publish each.
        assert len(run.published) - published == 3
        assert len(run.server.request_log) == 2
    finally:
        await close_run(run)
