"""The sample batches of `reap-tui --demo` and `reap-tui sandbox`: one for every state and fault,
and a large import of queued batches that Reap's modelled processor works through.

Ids are fixed so screenshots are stable. Times are given in API seconds before `now` and divided
by the speed, and the processor's pickup ticks fall on `now` (`demo_processor`), so at time `now`
the demo looks the same at any speed.
"""

from __future__ import annotations

import uuid

from reap_tui.sandbox.faults import Fault
from reap_tui.sandbox.processor import ProcessorConfig, QueuedBatch
from reap_tui.sandbox.script import ScriptedBatch

DEMO_SPEED = 20.0
DEMO_MISSING_ID = "5f0e2b7c-9a41-4d8e-b3c6-0d7e9f1a2b3c"
"""On the demo watch list, unknown to the server: answers 404."""

IN_PROGRESS_ID = "8c1d6e2f-3b4a-4f5c-9d7e-1a2b3c4d5e6f"
PENDING_ID = "2a7b9c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
COMPLETED_ID = "f208a887-9fa6-4447-a52b-c1d6e089536f"
COMPLETED_WITH_FAILURES_ID = "6d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
FAILED_ID = "b7e6d5c4-a3b2-4c1d-9e0f-a1b2c3d4e5f6"
FLAPPING_ID = "3e9f1a2b-7c8d-4e0f-a1b2-c3d4e5f6a7b8"
RATE_LIMITED_ID = "c4d5e6f7-0a1b-4c2d-8e3f-4a5b6c7d8e9f"
HOSTILE_TEXT_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
PROCESSING_SPELLING_ID = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"

_LOAD_NAMESPACE = uuid.UUID("0b6a1f3e-2c4d-4e5f-8a9b-7c6d5e4f3a2b")
_IMPORT_NAMESPACE = uuid.UUID("7d3c2b1a-9e8f-4a6b-8c5d-4e3f2a1b0c9d")

DEMO_IMPORT_NAME = "March"
"""Short, so "March 12/12" fits the dashboard's label column whole."""
DEMO_IMPORT_IDS: tuple[str, ...] = tuple(
    str(uuid.uuid5(_IMPORT_NAMESPACE, f"march-{number}")) for number in range(1, 13)
)
"""The import's batch ids in upload order."""
IMPORT_FAILURES_ID = DEMO_IMPORT_IDS[1]
"""Completes with 2.4% of its records failed."""
IMPORT_STALLED_ID = DEMO_IMPORT_IDS[2]
"""Stops moving at 62% and answers two checks of every three with a server error."""

HOSTILE_MESSAGE = (
    "[bold red]Internal[/] error \x1b[2J\x1b[H [@click=app.quit]click me[/] "
    "\x1b]8;;https://example.invalid/\x1b\\a link\x1b]8;;\x1b\\ \x9b31mC1 CSI\x9b0m"
)
HOSTILE_SUMMARY_ERRORS: tuple[str | dict[str, object], ...] = (
    "Row 3: [red]share token expired[/red]",
    {
        "row": 7,
        "externalId": "0f1e2d3c-4b5a-4968-8776-655443322110",
        "message": "\x1b[31mprovider rejected\x1b[0m [@click=app.quit]quit[/]",
    },
    "Row 9: \x1b]8;;https://example.invalid/\x1b\\open me\x1b]8;;\x1b\\ \x9b2J\x07",
)

_LABELS = {
    IN_PROGRESS_ID: "March onboarding",
    PENDING_ID: "Payroll contractors Q2",
    COMPLETED_ID: "Partner referrals",
    COMPLETED_WITH_FAILURES_ID: "Legacy migration",
    FAILED_ID: "September reverification",
    DEMO_MISSING_ID: "Archived pilot (deleted)",
    FLAPPING_ID: "EU expansion wave 1",
    RATE_LIMITED_ID: "Card BIN onboarding",
    HOSTILE_TEXT_ID: "Vendor import (odd server text)",
    PROCESSING_SPELLING_ID: "Sumsub share (PROCESSING spelling)",
}


def demo_labels() -> dict[str, str]:
    """Batch id -> human label, for every demo batch and for DEMO_MISSING_ID."""
    return dict(_LABELS)


def demo_batches(now: float, speed: float = DEMO_SPEED) -> list[ScriptedBatch]:
    def ago(api_seconds: float) -> float:
        return now - api_seconds / speed

    return [
        ScriptedBatch(
            IN_PROGRESS_ID, total_records=5000, created_at=ago(420), queue_wait=300, rate=4
        ),
        ScriptedBatch(PENDING_ID, total_records=300, created_at=ago(20), queue_wait=600, rate=7),
        ScriptedBatch(COMPLETED_ID, total_records=19, created_at=ago(3600), queue_wait=150),
        ScriptedBatch(
            COMPLETED_WITH_FAILURES_ID,
            total_records=480,
            created_at=ago(2400),
            queue_wait=240,
            fail_share=0.0625,
        ),
        ScriptedBatch(
            FAILED_ID,
            total_records=1200,
            created_at=ago(1800),
            queue_wait=90,
            fail_share=0.02,
            outcome="failed",
            fail_at=0.35,
        ),
        ScriptedBatch(
            FLAPPING_ID,
            total_records=3000,
            created_at=ago(200),
            queue_wait=120,
            rate=5,
            fault_cycle=(None, Fault.server_error(), None, Fault.html_502()),
        ),
        ScriptedBatch(
            RATE_LIMITED_ID,
            total_records=4000,
            created_at=ago(400),
            queue_wait=60,
            rate=6,
            status_spelling="upper",
            fault_cycle=(Fault.rate_limited(retry_after=120), None),
        ),
        ScriptedBatch(
            HOSTILE_TEXT_ID,
            total_records=2400,
            created_at=ago(500),
            queue_wait=100,
            rate=3,
            fail_share=0.1,
            summary_errors=HOSTILE_SUMMARY_ERRORS,
            fault_cycle=(Fault.server_error(HOSTILE_MESSAGE, parameter="[link]x\x1b[0m"), None),
        ),
        ScriptedBatch(
            PROCESSING_SPELLING_ID,
            total_records=4000,
            created_at=ago(300),
            queue_wait=30,
            rate=5,
            status_spelling="processing",
        ),
    ]


def load_batches(count: int, now: float, speed: float = DEMO_SPEED) -> list[ScriptedBatch]:
    """`count` generic in-progress batches with stable ids, for load tests and benchmarks."""
    return [
        ScriptedBatch(
            str(uuid.uuid5(_LOAD_NAMESPACE, f"load-{index}")),
            total_records=5000,
            created_at=now - (60 + index % 600) / speed,
            queue_wait=60,
            rate=5,
        )
        for index in range(count)
    ]


def load_label(index: int) -> str:
    return f"Load batch {index + 1}"


def load_import(count: int, now: float, rows: int = 5_000) -> list[QueuedBatch]:
    """An import of `count` queued batches of `rows` rows uploaded at `now`, one after another,
    with stable ids, for load tests and benchmarks of Reap's modelled processor."""
    return [
        QueuedBatch(str(uuid.uuid5(_LOAD_NAMESPACE, f"import-{index}")), rows, now)
        for index in range(count)
    ]


def load_import_label(index: int, count: int) -> str:
    return f"Load import {index + 1}/{count}"


def demo_processor(now: float) -> ProcessorConfig:
    """Reap's processor as documented, its pickup ticks on `now` so the demo is the same at any
    speed."""
    return ProcessorConfig(pickup_origin=now)


def demo_import(now: float, speed: float = DEMO_SPEED) -> list[QueuedBatch]:
    """The demo's large import: 12 chunks of one CSV uploaded 35 API minutes before `now`, a few
    seconds apart. With `demo_processor(now)` the first four were picked up 30 minutes ago and are
    in progress at `now` (one of them stopped), the rest wait `pending` behind them."""
    total_rows = 58_456

    def batch(index: int, batch_id: str) -> QueuedBatch:
        rows = min(5_000, total_rows - 5_000 * index)
        created_at = now - (2_100 - 3 * index) / speed
        if batch_id == IMPORT_FAILURES_ID:
            return QueuedBatch(batch_id, rows, created_at, fail_share=0.024)
        if batch_id == IMPORT_STALLED_ID:
            stall = (Fault.server_error("Upstream provider timeout"), Fault.html_502(), None)
            return QueuedBatch(batch_id, rows, created_at, stall_at=0.62, fault_cycle=stall)
        return QueuedBatch(batch_id, rows, created_at)

    return [batch(index, batch_id) for index, batch_id in enumerate(DEMO_IMPORT_IDS)]


def demo_import_labels() -> dict[str, str]:
    """The import's batch id -> label ("March 3/12"), in upload order."""
    size = len(DEMO_IMPORT_IDS)
    return {
        batch_id: f"{DEMO_IMPORT_NAME} {number}/{size}"
        for number, batch_id in enumerate(DEMO_IMPORT_IDS, start=1)
    }
