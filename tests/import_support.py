"""Shared by the dashboard's import tests: an import "March" of 12 batches from a split CSV (two
completed, one of them with failed records, three in progress, seven pending), an import
"April" of three batches added by id that has stalled, and two batches outside imports; all at
a fixed clock, over the stub engine."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress
from reap_tui.store import WatchList
from reap_tui.store.imports import Import, ImportChunk, ImportSource
from reap_tui.tui.app import DashboardApp, DashboardConfig

from .conftest import START
from .tui_support import STUB_URL, StubEngine, stub_app

MARCH = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"march-{n}")) for n in range(1, 13)]
APRIL = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"april-{n}")) for n in range(1, 4)]
LONE = [
    ("784d4045-c900-4050-aad6-8fe4c8d2fb16", "Partner referrals"),
    ("11111111-2222-4333-8444-555555555555", "Payroll contractors Q2"),
]
ROWS = [5_000] * 11 + [3_456]


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(START + offset, tz=UTC)


def status(
    batch_id: str, kind: str, total: int, processed: int = 0, failed: int = 0
) -> BatchStatus:
    started = None if kind == "pending" else at(-2_400)
    return BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire(kind),
        total_records=total,
        processed_records=processed,
        failed_records=failed,
        created_at=at(-3_600),
        updated_at=at(-40),
        started_at=started,
        completed_at=at(-1_200) if kind == "completed" else None,
        summary=Summary(successful_records=processed - failed),
    )


def state(
    batch_id: str,
    label: str,
    kind: str,
    total: int,
    *,
    processed: int = 0,
    failed: int = 0,
    changed: float = -30.0,
    rate: float = 7 / 3,
) -> BatchState:
    """A batch checked every minute for the last ten, moving at `rate` until `changed`."""
    done = kind == "completed"
    history: tuple[Progress, ...] = ()
    if kind != "pending":
        times = [-600 + 60 * i for i in range(10)]
        history = tuple(
            Progress(START + t, max(0, processed - round(rate * max(0.0, changed - t))), 0)
            for t in times
        )
    return BatchState(
        batch_id=batch_id,
        label=label,
        phase=Phase.COMPLETED if done else Phase.POLLING,
        status=status(batch_id, kind, total, processed, failed),
        next_check_at=None if done else START + 25,
        checks_made=10,
        first_check_at=START - 3_500,
        last_checked_at=START - 40,
        history=history,
        recent_checks=tuple(CheckRecord(START - 60 * i, 200, kind) for i in range(3, 0, -1)),
        last_change_at=START + changed,
    )


def march_states() -> list[BatchState]:
    label = [f"March {n}/12" for n in range(1, 13)]
    states = [
        state(MARCH[0], label[0], "completed", 5_000, processed=5_000, changed=-1_200),
        state(MARCH[1], label[1], "completed", 5_000, processed=5_000, failed=120, changed=-1_190),
        state(MARCH[2], label[2], "in_progress", 5_000, processed=3_100),
        state(MARCH[3], label[3], "in_progress", 5_000, processed=2_790),
        state(MARCH[4], label[4], "in_progress", 5_000, processed=2_480, failed=12),
    ]
    states += [state(MARCH[n], label[n], "pending", ROWS[n], changed=-3_500) for n in range(5, 12)]
    return states


def april_states() -> list[BatchState]:
    """Nothing has moved for 25 minutes: stalled (after 15)."""
    label = [f"April {n}/3" for n in range(1, 4)]
    return [
        state(APRIL[0], label[0], "in_progress", 2_000, processed=1_240, changed=-1_500),
        state(APRIL[1], label[1], "pending", 2_000, changed=-2_000),
        state(APRIL[2], label[2], "pending", 1_000, changed=-2_000),
    ]


def lone_states() -> list[BatchState]:
    (a, a_label), (b, b_label) = LONE
    return [
        state(a, a_label, "completed", 19, processed=19, changed=-900),
        state(b, b_label, "in_progress", 300, processed=120, rate=0.5),
    ]


def march_plan() -> Import:
    chunks = []
    first = 2
    for index, (rows, batch_id) in enumerate(zip(ROWS, MARCH, strict=True)):
        digest = hashlib.sha256(f"chunk {index}".encode()).hexdigest()
        chunks.append(
            ImportChunk(first, first + rows - 1, rows, rows * 120, digest, f"k{index}", batch_id)
        )
        first += rows
    source = ImportSource(
        "march.csv", hashlib.sha256(b"march").hexdigest(), sum(ROWS) * 120, sum(ROWS)
    )
    return Import("March", "sandbox", STUB_URL, START - 3_700, tuple(MARCH), source, tuple(chunks))


def april_plan() -> Import:
    return Import("April", "sandbox", STUB_URL, START - 2_400, tuple(APRIL))


def all_states() -> list[BatchState]:
    return [*march_states(), *april_states(), *lone_states()]


def import_app(
    tmp_path: Path,
    *,
    states: list[BatchState] | None = None,
    clock: FakeClock | None = None,
    config: DashboardConfig | None = None,
) -> tuple[DashboardApp, list[StubEngine]]:
    """The dashboard on the stub engine, its watch list holding both imports."""
    clock = clock or FakeClock(START, auto_advance=False)
    app, engines = stub_app(states or all_states(), tmp_path / "w.toml", clock, config=config)
    watchlist: WatchList = app._watchlist
    watchlist.change_imports(lambda imports: [*imports, march_plan(), april_plan()])
    return app, engines


def changed(state: BatchState, **changes: object) -> BatchState:
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]
