"""A watch list and state database as a dashboard leaves them: what a restarted one shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import FakeClock
from reap_tui.engine.snapshots import record_of
from reap_tui.engine.state import BatchState, Phase, Progress
from reap_tui.store import WatchList
from reap_tui.store.state_rows import StateRow
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START

DONE = "11111111-1111-4111-8111-111111111111"
RUNNING = "22222222-2222-4222-8222-222222222222"


def saved_list(path: Path, clock: FakeClock, base_url: str, *, checked: int = 3) -> None:
    """A finished batch and one in progress, both last checked 5 s before START after
    `checked` checks (a throughput history of as many points), saved as a dashboard would
    have left them."""
    watchlist = WatchList.open(path, clock)
    created = datetime.fromtimestamp(START - 900, tz=UTC)
    rows = []
    for batch_id, label, phase, status, processed in (
        (DONE, "Yesterday", Phase.COMPLETED, "completed", 50),
        (RUNNING, "Tonight", Phase.POLLING, "in_progress", 1234),
    ):
        watchlist.add(batch_id, environment="custom", base_url=base_url, label=label)
        answer = BatchStatus(
            batch_id=batch_id,
            status=BatchStatusValue.from_wire(status),
            total_records=5000 if batch_id == RUNNING else 50,
            processed_records=processed,
            failed_records=0,
            created_at=created,
            updated_at=created,
            started_at=created,
            completed_at=created if batch_id == DONE else None,
            summary=Summary(successful_records=processed),
        )
        history = tuple(Progress(START - 5 - 30 * i, processed - 40 * i, 0) for i in range(checked))
        state = BatchState(
            batch_id,
            phase=phase,
            status=answer,
            checks_made=checked,
            last_checked_at=START - 5,
            history=history[::-1],
        )
        rows.append(StateRow(batch_id, base_url, START - 5, record_of(state)))
    db = StateDB.open(state_db_path(path), clock)
    db.save(rows)
    db.close()
