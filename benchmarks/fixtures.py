"""What the scenarios watch: stable batch ids, the sandbox's batches, saved watch lists."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import SystemClock
from reap_tui.engine.snapshots import record_of_snapshot
from reap_tui.engine.state import (
    HISTORY_LIMIT,
    RECENT_CHECKS_LIMIT,
    BatchState,
    Phase,
    Progress,
)
from reap_tui.sandbox import ScriptedBatch
from reap_tui.store import Entry, Snapshot, WatchList
from reap_tui.store.model import Source
from reap_tui.store.statedb import StateDB, StateRow, state_db_path

# 2025-10-08T11:40:00Z, the day of the documented examples (fake-clock scenarios start here).
START = 1_759_923_600.0
API_KEY = "sk-benchmark-0123456789abcdef"
ENVIRONMENT = "sandbox"
# Scripted so that no batch finishes while a benchmark watches it (7 records/s for a day).
ENDLESS_RECORDS = 7 * 86_400
_NAMESPACE = uuid.UUID("4f0c2a8e-1b3d-4e5f-9a6b-7c8d9e0f1a2b")


def batch_id_of(index: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"bench-{index}"))


def batch_ids(count: int) -> list[str]:
    return [batch_id_of(index) for index in range(count)]


def endless_batches(count: int, created_at: float) -> list[ScriptedBatch]:
    """`count` batches in progress from `created_at` on, for longer than any scenario runs."""
    return [
        ScriptedBatch(batch_id, total_records=ENDLESS_RECORDS, created_at=created_at, rate=7.0)
        for batch_id in batch_ids(count)
    ]


def completed_snapshot(now: float) -> Snapshot:
    """A batch of 5,000 records that finished ten minutes before `now`."""
    return Snapshot(
        phase=Phase.COMPLETED,
        status="completed",
        total_records=5000,
        processed_records=5000,
        failed_records=12,
        successful_records=4988,
        created_at=datetime.fromtimestamp(now - 1800, tz=UTC),
        updated_at=datetime.fromtimestamp(now - 600, tz=UTC),
        started_at=datetime.fromtimestamp(now - 1500, tz=UTC),
        completed_at=datetime.fromtimestamp(now - 600, tz=UTC),
        checked_at=now - 590,
    )


def in_progress_snapshot(now: float) -> Snapshot:
    return Snapshot(
        phase=Phase.POLLING,
        status="in_progress",
        total_records=5000,
        processed_records=2100,
        failed_records=3,
        successful_records=2097,
        created_at=datetime.fromtimestamp(now - 900, tz=UTC),
        updated_at=datetime.fromtimestamp(now - 40, tz=UTC),
        started_at=datetime.fromtimestamp(now - 600, tz=UTC),
        checked_at=now - 40,
    )


def watched_long(record: dict[str, Any], now: float) -> dict[str, Any]:
    """`record` as after hours of watching: a full progress history (a point every 30 s) and
    the last recent checks, in the record's column form."""
    processed = record.get("processedRecords", 0)
    points = range(HISTORY_LIMIT)
    checks = range(RECENT_CHECKS_LIMIT)
    return record | {
        "firstCheckAt": now - 30 * HISTORY_LIMIT - 60,
        "checksMade": HISTORY_LIMIT + 15,
        "history": {
            "at": [now - 30 * (HISTORY_LIMIT - i) + 0.123456 for i in points],
            "processed": [processed * (i + 1) // HISTORY_LIMIT for i in points],
            "failed": [i // 40 for i in points],
        },
        "checks": {
            "at": [now - 30 * (RECENT_CHECKS_LIMIT - i) + 0.123456 for i in checks],
            "httpStatus": [200 for _ in checks],
            "outcome": [record.get("status", "in_progress") for _ in checks],
            "manual": [False for _ in checks],
        },
    }


def write_watchlist(
    path: Path,
    base_url: str,
    count: int,
    *,
    all_final: bool,
    saved: bool = True,
    long_watched: bool = False,
) -> None:
    """A watch list of `count` labelled batches on `base_url`; with `saved`, each has a last
    known state in the state database beside it: completed, or (unless `all_final`) one in
    four still in progress; `long_watched`, with full histories (`watched_long`)."""
    now = SystemClock().now()
    entries = []
    rows = []
    for index, batch_id in enumerate(batch_ids(count)):
        entries.append(
            Entry(
                batch_id=batch_id,
                added_at=now - 3600,
                source=Source.MANUAL,
                environment=ENVIRONMENT,
                base_url=base_url,
                label=f"Import part {index + 1:04d}",
            )
        )
        running = not all_final and index % 4 == 0
        snapshot = in_progress_snapshot(now) if running else completed_snapshot(now)
        record = record_of_snapshot(snapshot)
        if long_watched:
            record = watched_long(record, now)
        rows.append(StateRow(batch_id, base_url, snapshot.checked_at, record))
    WatchList.open(path, SystemClock()).add_many(entries)
    if saved:
        states = StateDB.open(state_db_path(path), SystemClock())
        states.save(rows)
        states.close()


def running_state(index: int, processed: int, now: float) -> BatchState:
    """Batch `index` in progress at `processed` of 5,000 records, with throughput history, as
    the engine would publish it after a check at `now`."""
    batch_id = batch_id_of(index)
    started = datetime.fromtimestamp(now - 900, tz=UTC)
    status = BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire("in_progress"),
        total_records=5000,
        processed_records=processed,
        failed_records=processed // 400,
        created_at=datetime.fromtimestamp(now - 1200, tz=UTC),
        updated_at=datetime.fromtimestamp(now - 2, tz=UTC),
        started_at=started,
        completed_at=None,
        summary=Summary(successful_records=processed - processed // 400),
    )
    return BatchState(
        batch_id=batch_id,
        label=f"Import part {index + 1:04d}",
        phase=Phase.POLLING,
        status=status,
        next_check_at=now + 45,
        checks_made=12,
        first_check_at=now - 800,
        last_checked_at=now,
        history=(Progress(now - 45, processed - 300, 0), Progress(now, processed, 0)),
    )


def fresh_copy(prepared: Path, folder: Path) -> str:
    """A copy of a prepared watch list and its state database in a folder of its own."""
    run = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
    copy = run / "watchlist.toml"
    shutil.copyfile(prepared, copy)
    if state_db_path(prepared).exists():
        shutil.copyfile(state_db_path(prepared), state_db_path(copy))
    return str(copy)
