"""The look, as SVG snapshots at 80x24, 120x36 and 200x50: the demo's batches (the overview and
an error panel) and a list with a batch in every state. None has a horizontal scrollbar.

States are built directly and the clock is fixed, so nothing moves between runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from reap_tui.api.errors import failure_from_response
from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary, find_anomalies
from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState, CheckRecord, Phase, Progress
from reap_tui.sandbox.demo import HOSTILE_MESSAGE
from reap_tui.sandbox.wire import json_bytes

from .conftest import START
from .state_gallery import IDS, gallery_states
from .tui_support import stub_app

SIZES = [(80, 24), (120, 36), (200, 50)]
SIZE_IDS = [f"{width}x{height}" for width, height in SIZES]

FAILING_ID = "3e9f1a2b-7c8d-4e0f-a1b2-c3d4e5f6a7b8"


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(START + offset, tz=UTC)


def status(
    batch_id: str, kind: str, total: int, processed: int, failed: int, *, done: bool = False
) -> BatchStatus:
    value = BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire(kind),
        total_records=total,
        processed_records=processed,
        failed_records=failed,
        created_at=at(-1500),
        updated_at=at(-40),
        started_at=at(-1200) if kind != "pending" else None,
        completed_at=at(-300) if done else None,
        summary=Summary(successful_records=processed - failed),
    )
    return dataclasses.replace(value, anomalies=find_anomalies(value))


def history(processed: int) -> tuple[Progress, ...]:
    return tuple(Progress(START - 60 * (9 - i), processed * i // 9, 0) for i in range(10))


def checks(*statuses: int) -> tuple[CheckRecord, ...]:
    return tuple(
        CheckRecord(
            START - 45 * (len(statuses) - i),
            code,
            "in_progress" if code == 200 else "HTTP 500 Reap server error (0000000500)",
        )
        for i, code in enumerate(statuses)
    )


def demo_states() -> list[BatchState]:
    failure = failure_from_response(
        500,
        "application/json",
        json_bytes({"code": "0000000500", "message": HOSTILE_MESSAGE, "parameter": "[link]x"}),
        None,
    )
    rows = [
        ("8c1d6e2f-3b4a-4f5c-9d7e-1a2b3c4d5e6f", "March onboarding", "in_progress", 5000, 2210, 0),
        ("2a7b9c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Payroll contractors Q2", "pending", 300, 0, 0),
        ("f208a887-9fa6-4447-a52b-c1d6e089536f", "Partner referrals", "completed", 19, 19, 0),
        ("6d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "Legacy migration", "completed", 480, 480, 30),
        (
            "b7e6d5c4-a3b2-4c1d-9e0f-a1b2c3d4e5f6",
            "September reverification",
            "failed",
            1200,
            420,
            8,
        ),
        (FAILING_ID, "EU expansion wave 1", "in_progress", 3000, 1250, 0),
    ]
    states = []
    for batch_id, label, kind, total, processed, failed in rows:
        done = kind in ("completed", "failed")
        phase = {"completed": Phase.COMPLETED, "failed": Phase.FAILED}.get(kind, Phase.POLLING)
        states.append(
            BatchState(
                batch_id=batch_id,
                label=label,
                phase=phase,
                status=status(batch_id, kind, total, processed, failed, done=done),
                next_check_at=None if done else START + 42,
                checks_made=10,
                first_check_at=START - 600,
                last_checked_at=START - 40,
                history=history(processed),
                recent_checks=checks(200, 200, 500, 200, 500),
            )
        )
    states[-1] = dataclasses.replace(states[-1], failure=failure)
    states.append(
        BatchState(
            batch_id="5f0e2b7c-9a41-4d8e-b3c6-0d7e9f1a2b3c",
            label="Archived pilot (deleted)",
            phase=Phase.NOT_FOUND,
            failure=failure_from_response(
                404,
                "application/json",
                json_bytes({"code": "0701020100", "message": "Batch not found", "parameter": ""}),
                None,
            ),
            checks_made=2,
            last_checked_at=START - 100,
        )
    )
    return states


def make_app(tmp_path: Path, states: list[BatchState] | None = None) -> Any:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(states or demo_states(), tmp_path / "w.toml", clock)
    return app


def no_horizontal_scrollbar(pilot: Pilot[None]) -> None:
    app = pilot.app
    for selector in ("#batches", "#detail"):
        widget = app.query_one(selector)
        assert not widget.show_horizontal_scrollbar, selector
        assert widget.max_scroll_x == 0, selector


def select(batch_id: str) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause(0.4)
        pilot.app.select_batch(batch_id)  # type: ignore[attr-defined]
        await pilot.pause()
        no_horizontal_scrollbar(pilot)

    return run_before


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause(0.4)
    no_horizontal_scrollbar(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_overview(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_error_panel(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=select(FAILING_ID))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_state(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, gallery_states())
    assert snap_compare(app, terminal_size=size, run_before=select(IDS["stalled"]))
