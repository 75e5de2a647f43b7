"""A batch's last known state, from a server answer to the watch-list file and back."""

from __future__ import annotations

import json
from pathlib import Path

from reap_tui.api.parser import parse_batch_status
from reap_tui.clock import FakeClock
from reap_tui.engine.snapshots import initial_state, snapshot_of
from reap_tui.engine.state import BatchState, Phase
from reap_tui.store import WatchList

from .conftest import START

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
SANDBOX = {"environment": "sandbox", "base_url": "https://sandbox-compliance.api.reap.global"}


def answer(**counts: int) -> bytes:
    document = {
        "batchId": A,
        "status": "in_progress",
        "totalRecords": 19,
        "processedRecords": 7,
        "failedRecords": 1,
        "createdAt": "2025-10-08T11:39:58Z",
        "updatedAt": "2025-10-08T11:41:02Z",
        "startedAt": "2025-10-08T11:40:30Z",
        "summary": {"successfulRecords": 6, "errors": []},
    }
    return json.dumps(document | counts).encode()


def test_negative_counts_from_the_server_are_saved_and_read_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "watchlist.toml"
    status = parse_batch_status(answer(failedRecords=-1, totalRecords=-19))
    assert status.anomalies, "the parser keeps a negative count as an anomaly"
    watchlist = WatchList.open(path, clock)
    watchlist.add(A, **SANDBOX)
    state = BatchState(A, phase=Phase.POLLING, status=status, last_checked_at=START)
    watchlist.update_snapshot(A, snapshot_of(state))
    watchlist.flush()

    reopened = WatchList.open(path, FakeClock(START + 60))
    entry = reopened.get(A)
    assert entry is not None
    restored = initial_state(entry).status
    assert restored is not None
    assert (restored.failed_records, restored.total_records) == (-1, -19)
    assert restored.anomalies == status.anomalies
