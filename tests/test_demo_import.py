"""The demo's large import on the modelled processor: lively at once, one batch with failed
records, one stalled behind server errors, exported in upload order, watched by `--demo`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import demo_app, demo_watchlist
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.demo import (
    DEMO_IMPORT_IDS,
    DEMO_IMPORT_NAME,
    DEMO_SPEED,
    IMPORT_FAILURES_ID,
    IMPORT_STALLED_ID,
    demo_batches,
    demo_import,
    demo_import_labels,
    demo_labels,
    demo_processor,
)
from reap_tui.sandbox.processor import Processor
from tests.sandbox_support import START, ServerFactory, fake_clock, get_status
from tests.tui_support import seeded, wait_for


def status(server: SandboxServer, batch_id: str) -> dict[str, Any]:
    reply = get_status(server, batch_id)
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


@pytest.fixture
def clock() -> FakeClock:
    return fake_clock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[ServerFactory]:
    factory = ServerFactory(clock)
    yield factory
    factory.close()


def test_the_demo_import_is_lively_from_the_first_second(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    now = clock.now()
    server = make_server(
        speed=DEMO_SPEED, processor=demo_processor(now), batches=demo_import(now, DEMO_SPEED)
    )
    first = {
        batch_id: status(server, batch_id)
        for batch_id in DEMO_IMPORT_IDS
        if batch_id != IMPORT_STALLED_ID
    }
    states = [document["status"] for document in first.values()]
    assert states.count("in_progress") == 3 and states.count("pending") == 8
    clock.advance(10)
    later = {batch_id: status(server, batch_id) for batch_id in first}
    moved = [b for b in first if later[b]["processedRecords"] > first[b]["processedRecords"]]
    assert len(moved) == 3
    clock.advance(50)  # a minute in: the first round is done and the next has started
    failures = status(server, IMPORT_FAILURES_ID)
    assert failures["status"] == "completed" and failures["failedRecords"] > 0
    others = [status(server, DEMO_IMPORT_IDS[i]) for i in (0, 3)]
    assert [(d["status"], d["failedRecords"]) for d in others] == [("completed", 0)] * 2
    assert status(server, DEMO_IMPORT_IDS[4])["status"] == "in_progress"


def test_the_demo_import_has_a_batch_stalled_behind_server_errors(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    now = clock.now()
    server = make_server(
        speed=DEMO_SPEED, processor=demo_processor(now), batches=demo_import(now, DEMO_SPEED)
    )
    answers = []
    for _ in range(9):
        answers.append(get_status(server, IMPORT_STALLED_ID))
        clock.advance(30)
    assert [reply.status for reply in answers].count(200) == 3
    documents = [reply.json() for reply in answers if reply.status == 200]
    assert {(d["status"], d["processedRecords"]) for d in documents} == {("in_progress", 3100)}


def test_the_demo_import_is_the_same_at_any_speed() -> None:
    def seen(speed: float) -> list[tuple[str, int]]:
        processor = Processor(demo_processor(START), speed)
        for batch in demo_import(START, speed):
            processor.add(batch)
        return [
            (state.status, state.processed)
            for state in (processor.state(batch_id, START) for batch_id in DEMO_IMPORT_IDS)
        ]

    assert seen(1.0) == seen(DEMO_SPEED)


def test_the_demo_import_is_exported_in_upload_order(tmp_path: Path, clock: FakeClock) -> None:
    batches = demo_import(START)
    assert [batch.batch_id for batch in batches] == list(DEMO_IMPORT_IDS)
    assert sorted(batches, key=lambda b: b.created_at or 0) == batches
    labels = demo_import_labels()
    assert list(labels) == list(DEMO_IMPORT_IDS)
    assert labels[DEMO_IMPORT_IDS[2]] == f"{DEMO_IMPORT_NAME} 3/12" == "March 3/12"
    watchlist = demo_watchlist(tmp_path / "w.toml", clock, "http://127.0.0.1:1", with_import=True)
    watched = [entry.batch_id for entry in watchlist.entries]
    assert watched[-12:] == list(DEMO_IMPORT_IDS)
    assert [entry.label for entry in watchlist.entries][-12:] == list(labels.values())


async def test_the_demo_dashboard_watches_the_import_as_an_import(
    tmp_path: Path, clock: FakeClock
) -> None:
    now = clock.now()
    batches = [*demo_batches(now, DEMO_SPEED), *demo_import(now, DEMO_SPEED)]
    processor = demo_processor(now)
    with SandboxServer(clock, speed=DEMO_SPEED, batches=batches, processor=processor) as server:
        app = demo_app(clock, server, tmp_path / "watchlist.toml", rng=seeded())
        async with app.run_test(size=(120, 36)) as pilot:

            def checked() -> bool:
                states = app.engine.states
                return all(b in states and states[b].checks_made > 0 for b in DEMO_IMPORT_IDS)

            await wait_for(pilot, checked, clock=clock, step=0.05)
            await pilot.pause(0.3)
            # Folded at first (its 12 batches do not fit beside the other ten): → opens it.
            assert app.table.row_keys[0] == "import:March"
            assert DEMO_IMPORT_IDS[0] not in app.table.row_keys
            await pilot.press("right")
            shown = app.table.row_keys
            assert shown[:13] == ("import:March", *DEMO_IMPORT_IDS)  # its row, then its batches
            assert set(shown[13:]) == set(demo_labels())
            assert app.engine.imports["March"].batch_ids == DEMO_IMPORT_IDS
            labels = demo_import_labels()
            assert [app.table.cell_text(b, "label") for b in DEMO_IMPORT_IDS] == [
                f"│ {label}" for label in labels.values()
            ]
            assert app.table.cell_text("import:March", "label") == "▾ March · 12 batches"
            cells = {b: app.table.cell_text(b, "status") for b in DEMO_IMPORT_IDS}
            assert cells[DEMO_IMPORT_IDS[0]] == "▶ in progress"
            assert cells[DEMO_IMPORT_IDS[-1]] == "◌ pending"
