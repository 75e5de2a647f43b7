"""Reap's modelled processor, over real loopback HTTP on a fake clock: one queue per business,
pickups at the 10-minute ticks, a business-wide rate shared by the batches in progress."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reap_tui.clock import FakeClock
from reap_tui.sandbox import Fault, ProcessorConfig, QueuedBatch, SandboxServer, ScriptedBatch
from reap_tui.sandbox.demo import (
    load_import,
)
from reap_tui.sandbox.processor import Processor
from reap_tui.sandbox.server import DEFAULT_BUSINESS_UUID
from reap_tui.sandbox.wire import iso_timestamp
from tests.sandbox_support import (
    KEY,
    START,
    ServerFactory,
    csv_rows,
    fake_clock,
    get_status,
    upload,
)

OTHER_BUSINESS = "0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
RANK = {"pending": 0, "in_progress": 1, "completed": 2, "failed": 2}
# A pickup tick one second after START: the first pickup of a batch uploaded at START.
TICK = START + 1


@pytest.fixture
def clock() -> FakeClock:
    return fake_clock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[ServerFactory]:
    factory = ServerFactory(clock)
    yield factory
    factory.close()


def ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=index + 1, version=4)) for index in range(count)]


def status(server: SandboxServer, batch_id: str) -> dict[str, Any]:
    reply = get_status(server, batch_id)
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


def at_time(stamp: str | None) -> float | None:
    return None if stamp is None else datetime.fromisoformat(stamp).timestamp()


def check_documented_fields(document: dict[str, Any], now: float) -> None:
    """What the batch-status page promises of every answer."""
    processed, total = document["processedRecords"], document["totalRecords"]
    failed, successful = document["failedRecords"], document["summary"]["successfulRecords"]
    assert processed == successful + failed
    assert 0 <= failed <= processed <= total
    created, updated = at_time(document["createdAt"]), at_time(document["updatedAt"])
    started, completed = at_time(document["startedAt"]), at_time(document["completedAt"])
    assert created is not None and updated is not None
    assert created <= updated <= now
    state = document["status"]
    assert (started is None) == (state == "pending")
    assert (completed is None) == (state in ("pending", "in_progress"))
    if state == "pending":
        assert processed == 0 and updated == created
    if started is not None:
        assert created <= started <= updated
    if completed is not None:
        assert updated == completed and started is not None and started <= completed


def test_a_batch_is_picked_up_only_at_a_pickup_tick(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    # The tick before the upload has passed: the batch waits for the next one, 10 minutes on.
    server = make_server(processor=ProcessorConfig(pickup_origin=START - 1))
    [batch_id] = ids(1)
    server.add_batch(QueuedBatch(batch_id, total_records=700))
    clock.advance(598.999)
    waiting = status(server, batch_id)
    assert (waiting["status"], waiting["startedAt"]) == ("pending", None)
    clock.advance(0.001)
    picked = status(server, batch_id)
    assert picked["status"] == "in_progress"
    assert picked["startedAt"] == iso_timestamp(START + 599)
    assert picked["processedRecords"] == 0


def test_speed_divides_the_pickup_interval(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(speed=60, processor=ProcessorConfig(pickup_origin=START - 1))
    [batch_id] = ids(1)
    server.add_batch(QueuedBatch(batch_id, total_records=700))
    clock.advance(8.999)
    assert status(server, batch_id)["status"] == "pending"
    clock.advance(0.001)  # 600 API seconds / 60 = 10 s after the previous tick
    assert status(server, batch_id)["startedAt"] == iso_timestamp(START + 9)
    clock.advance(1)  # 60 API seconds at 7 records/s
    assert status(server, batch_id)["processedRecords"] == 420


def test_a_batch_alone_gets_the_whole_rate(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK))
    [batch_id] = ids(1)
    server.add_batch(QueuedBatch(batch_id, total_records=1000))
    clock.advance(1 + 100)
    document = status(server, batch_id)
    assert document["processedRecords"] == 700
    assert document["updatedAt"] == iso_timestamp(TICK + 100)


def test_batches_in_progress_share_the_rate_and_a_finished_one_gives_its_share_back(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK))
    short, long = ids(2)
    server.add_batch(QueuedBatch(short, total_records=350))
    server.add_batch(QueuedBatch(long, total_records=1000))
    clock.advance(1 + 50)
    assert [status(server, b)["processedRecords"] for b in (short, long)] == [175, 175]
    clock.advance(50)  # 100 s at 3.5 records/s each: the short one is done
    done = status(server, short)
    assert (done["status"], done["completedAt"]) == ("completed", iso_timestamp(TICK + 100))
    assert status(server, long)["processedRecords"] == 350
    clock.advance(50)  # alone now: 7 records/s
    assert status(server, long)["processedRecords"] == 700
    clock.advance(100)
    finished = status(server, long)
    assert finished["status"] == "completed"
    assert finished["completedAt"] == iso_timestamp(TICK + 100 + 650 / 7)


def test_pickup_is_in_upload_order_up_to_the_limit_in_progress(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=2))
    batches = ids(5)
    # Added out of order: the queue goes by upload time.
    for index in (3, 0, 4, 2, 1):
        server.add_batch(
            QueuedBatch(batches[index], total_records=700, created_at=START + index / 10)
        )
    clock.advance(1)
    states = [status(server, b)["status"] for b in batches]
    assert states == ["in_progress", "in_progress", "pending", "pending", "pending"]
    clock.advance(200)  # both done (700 at 3.5/s): their places stay empty until the next tick
    states = [status(server, b)["status"] for b in batches]
    assert states == ["completed", "completed", "pending", "pending", "pending"]
    clock.advance(400)
    states = [status(server, b)["status"] for b in batches]
    assert states == ["completed", "completed", "in_progress", "in_progress", "pending"]
    assert status(server, batches[2])["startedAt"] == iso_timestamp(TICK + 600)


def test_one_queue_per_business(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=1))
    ours, theirs = ids(2)
    server.add_batch(QueuedBatch(theirs, total_records=5000, business_uuid=OTHER_BUSINESS))
    server.add_batch(QueuedBatch(ours, total_records=5000))
    clock.advance(1 + 100)
    assert [status(server, b)["processedRecords"] for b in (ours, theirs)] == [700, 700]


def test_a_share_of_records_fails(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK))
    [batch_id] = ids(1)
    server.add_batch(QueuedBatch(batch_id, total_records=1000, fail_share=0.1))
    clock.advance(1 + 50)
    midway = status(server, batch_id)
    assert (midway["processedRecords"], midway["failedRecords"]) == (350, 35)
    clock.advance(1000)
    done = status(server, batch_id)
    assert (done["status"], done["failedRecords"], done["summary"]["successfulRecords"]) == (
        "completed",
        100,
        900,
    )


def test_a_failing_batch_ends_failed_and_frees_its_place(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=1))
    failing, next_one = ids(2)
    server.add_batch(QueuedBatch(failing, total_records=1000, outcome="failed", fail_at=0.35))
    server.add_batch(QueuedBatch(next_one, total_records=10))
    clock.advance(1 + 50)
    ended = status(server, failing)
    assert (ended["status"], ended["processedRecords"]) == ("failed", 350)
    assert ended["completedAt"] == iso_timestamp(TICK + 50)
    assert status(server, next_one)["status"] == "pending"
    clock.advance(550)
    assert status(server, next_one)["startedAt"] == iso_timestamp(TICK + 600)


def test_a_stalled_batch_stops_moving_and_keeps_its_place(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=2))
    stuck, moving, first, second = ids(4)
    server.add_batch(QueuedBatch(stuck, total_records=1000, stall_at=0.1))
    server.add_batch(QueuedBatch(moving, total_records=5000))
    server.add_batch(QueuedBatch(first, total_records=10))
    server.add_batch(QueuedBatch(second, total_records=10))
    clock.advance(1 + 300.5)
    stopped = status(server, stuck)
    assert (stopped["status"], stopped["processedRecords"]) == ("in_progress", 100)
    assert stopped["updatedAt"] == iso_timestamp(TICK + 100 / 3.5)
    # The other batch takes the whole rate once the stuck one stopped: 100 + 7 * 271.93.
    assert status(server, moving)["processedRecords"] == 2003
    clock.advance(1200 - 300.5)
    assert status(server, moving)["status"] == "completed"
    # The stuck batch still holds its place: the tick starts one batch, not two.
    assert [status(server, b)["status"] for b in (stuck, first, second)] == [
        "in_progress",
        "in_progress",
        "pending",
    ]


def test_faults_work_for_queued_batches(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK))
    [batch_id] = ids(1)
    server.add_batch(
        QueuedBatch(
            batch_id,
            total_records=1000,
            faults={3: Fault.malformed(override={"processedRecords": "many"})},
            fault_cycle=(Fault.server_error(), None),
        )
    )
    clock.advance(1 + 10)
    replies = [get_status(server, batch_id) for _ in range(4)]
    assert [reply.status for reply in replies] == [500, 200, 200, 200]
    assert replies[1].json()["processedRecords"] == 70
    assert replies[2].json()["processedRecords"] == "many"
    assert [record.fault for record in server.request_log][:3] == [
        "server_error",
        None,
        "malformed",
    ]


def test_uploads_join_their_business_queue_behind_earlier_batches(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=1))
    [ahead] = ids(1)
    server.add_batch(QueuedBatch(ahead, total_records=5000))
    clock.advance(1)
    reply = upload(server, csv_rows(19), idempotency_key="idem-queued")
    assert reply.status == 201
    uploaded = reply.json()["batchId"]
    assert server.queued_batch(uploaded).business_uuid == DEFAULT_BUSINESS_UUID

    clock.advance(601)  # ahead (5,000 at 7/s) still runs at this tick: the upload waits
    assert status(server, uploaded)["status"] == "pending"
    clock.advance(598)  # ahead is done, but no tick has come since
    assert status(server, ahead)["status"] == "completed"
    assert status(server, uploaded)["status"] == "pending"
    clock.advance(1)
    assert status(server, uploaded)["startedAt"] == iso_timestamp(TICK + 1200)
    clock.advance(19 / 7)
    assert status(server, uploaded)["status"] == "completed"


def test_an_upload_to_another_business_has_its_own_queue(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(
        business_uuid=OTHER_BUSINESS,
        processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=1, upload_fail_share=0.5),
    )
    [ours] = ids(1)
    server.add_batch(QueuedBatch(ours, total_records=5000))
    reply = upload(server, csv_rows(10), idempotency_key="idem-other")
    assert reply.json()["businessUuid"] == OTHER_BUSINESS
    clock.advance(1 + 5)
    theirs = status(server, reply.json()["batchId"])
    assert (theirs["status"], theirs["failedRecords"]) == ("completed", 5)
    assert status(server, ours)["processedRecords"] == 35


def test_an_import_of_20_batches_of_5000_rows_runs_in_five_rounds_of_about_four_hours(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig())
    batches = load_import(20, START)
    for batch in batches:
        server.add_batch(batch)
    first_pickup = math.ceil(START / 600) * 600
    promised = server.queued_state(batches[-1].batch_id, at=START + 24 * 3600).completed_at
    seen_in_progress: list[int] = []
    for _ in range(30):  # five hours in steps of 10 minutes
        documents = [status(server, batch.batch_id) for batch in batches]
        for document in documents:
            check_documented_fields(document, clock.now())
        states = [document["status"] for document in documents]
        seen_in_progress.append(states.count("in_progress"))
        if clock.now() == first_pickup + 60:
            assert states.count("pending") == 16
        if set(states) == {"completed"}:
            break
        clock.advance(first_pickup + 60 - clock.now() if clock.now() < first_pickup else 600)
    assert set(states) == {"completed"}
    assert max(seen_in_progress) == 4
    # Five rounds: four batches share 7 records/s for 5,000 * 4 / 7 s, the next round starts
    # at the tick after, 50 minutes after the last.
    last_completed = max(at_time(document["completedAt"]) or 0 for document in documents)
    expected = first_pickup + 4 * 3000 + 5000 * 4 / 7
    assert last_completed == pytest.approx(expected, abs=0.002)
    assert promised == pytest.approx(expected, abs=1e-6)
    assert 4 * 3600 <= last_completed - START <= 4.5 * 3600


def test_every_answer_has_consistent_documented_fields(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK, max_in_progress=3))
    sizes = [0, 7, 1200, 5000, 333, 2500, 4000, 1]
    batches = [
        QueuedBatch(
            batch_id,
            total_records=size,
            created_at=START + 97 * index,
            fail_share=(0.0, 0.03, 0.5)[index % 3],
            outcome="failed" if index == 5 else "completed",
            fail_at=0.4,
            stall_at=0.9 if index == 6 else None,
        )
        for index, (batch_id, size) in enumerate(zip(ids(len(sizes)), sizes, strict=True))
    ]
    for batch in batches:
        server.add_batch(batch)
    previous: dict[str, dict[str, Any]] = {}
    for _ in range(70):
        for batch in batches:
            assert batch.created_at is not None
            if clock.now() < batch.created_at:
                assert get_status(server, batch.batch_id).status == 404  # not uploaded yet
                continue
            document = status(server, batch.batch_id)
            check_documented_fields(document, clock.now())
            before = previous.get(batch.batch_id)
            if before is not None:
                moved = (before["status"], before["processedRecords"]) != (
                    document["status"],
                    document["processedRecords"],
                )
                assert (before["updatedAt"] != document["updatedAt"]) == moved
            previous[batch.batch_id] = document
        clock.advance(61)
    final = [document["status"] for document in previous.values()]
    assert final == ["completed"] * 5 + ["failed", "in_progress", "completed"]


def test_scripted_batches_beside_the_queue_keep_their_own_timeline(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(processor=ProcessorConfig(pickup_origin=TICK))
    scripted, queued = ids(2)
    server.add_batch(ScriptedBatch(scripted, total_records=100, queue_wait=40, rate=1))
    server.add_batch(QueuedBatch(queued, total_records=5000))
    clock.advance(40 + 45.5)
    assert status(server, scripted)["processedRecords"] == 45
    assert status(server, queued)["processedRecords"] == math.floor(7 * 84.5)


# Small random imports, asked about at random times.
queued_batches = st.lists(
    st.builds(
        dict,
        total_records=st.integers(0, 40),
        offset=st.integers(0, 1500),
        fail_share=st.sampled_from([0.0, 0.1, 0.5]),
        outcome=st.sampled_from(["completed", "failed"]),
        fail_at=st.sampled_from([0.0, 0.5, 1.0]),
        stall_at=st.sampled_from([None, 0.0, 0.3, 1.0]),
        business=st.sampled_from([DEFAULT_BUSINESS_UUID, OTHER_BUSINESS]),
    ),
    min_size=1,
    max_size=5,
)
configs = st.builds(
    ProcessorConfig,
    rate=st.sampled_from([0.02, 0.5, 7.0]),
    max_in_progress=st.integers(1, 3),
    pickup_origin=st.just(START),
)


def build(specs: Sequence[dict[str, Any]]) -> list[QueuedBatch]:
    return [
        QueuedBatch(
            batch_id,
            total_records=spec["total_records"],
            created_at=START + spec["offset"] + index / 1000,
            business_uuid=spec["business"],
            fail_share=spec["fail_share"],
            outcome=spec["outcome"],
            fail_at=spec["fail_at"],
            stall_at=spec["stall_at"],
        )
        for index, (batch_id, spec) in enumerate(zip(ids(len(specs)), specs, strict=True))
    ]


@settings(max_examples=40)
@given(
    specs=queued_batches,
    config=configs,
    speed=st.sampled_from([1.0, 20.0]),
    steps=st.lists(st.floats(0, 900), min_size=1, max_size=8),
)
def test_answers_never_go_back(
    specs: list[dict[str, Any]], config: ProcessorConfig, speed: float, steps: list[float]
) -> None:
    clock = fake_clock()
    batches = build(specs)
    with SandboxServer(clock, speed=speed, api_key=KEY, processor=config) as server:
        for batch in batches:
            server.add_batch(batch)
        previous: dict[str, dict[str, Any]] = {}
        for step in [0.0, *steps]:
            clock.advance(step)
            for batch in batches:
                assert batch.created_at is not None
                if clock.now() < batch.created_at:
                    assert get_status(server, batch.batch_id).status == 404  # not uploaded yet
                    continue
                document = status(server, batch.batch_id)
                check_documented_fields(document, clock.now())
                before = previous.get(batch.batch_id)
                if before is not None:
                    assert RANK[document["status"]] >= RANK[before["status"]]
                    assert document["processedRecords"] >= before["processedRecords"]
                    assert document["failedRecords"] >= before["failedRecords"]
                    assert at_time(document["updatedAt"]) >= at_time(before["updatedAt"])  # type: ignore[operator]
                previous[batch.batch_id] = document
        assert server.internal_errors == []


@given(
    specs=queued_batches,
    config=configs,
    times=st.lists(st.floats(0, 6000), min_size=1, max_size=10),
    seed=st.integers(0, 1000),
)
def test_answers_do_not_depend_on_the_order_of_questions_or_of_additions(
    specs: list[dict[str, Any]], config: ProcessorConfig, times: list[float], seed: int
) -> None:
    batches = build(specs)
    questions = [(batch.batch_id, START + t) for batch in batches for t in times]
    in_order = Processor(config, speed=1.0)
    for batch in batches:
        in_order.add(batch)
    expected = {q: in_order.state(*q) for q in sorted(questions, key=lambda q: q[1])}

    shuffled = random.Random(seed)
    late = Processor(config, speed=1.0)
    added = shuffled.sample(batches, len(batches))
    # Half the batches are added after questions about later times were answered.
    for batch in added[: len(added) // 2]:
        late.add(batch)
    for batch_id, at in shuffled.sample(questions, len(questions)):
        if batch_id in late:
            late.state(batch_id, at)
    for batch in added[len(added) // 2 :]:
        late.add(batch)
    assert {q: late.state(*q) for q in shuffled.sample(questions, len(questions))} == expected
