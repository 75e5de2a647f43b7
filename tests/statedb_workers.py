"""Child processes for the state database's crash and concurrency tests.

`python -m tests.statedb_workers serve WATCHLIST`: a fork server that has imported everything
and, for each `fork LOG` line on stdin, forks a writer and prints its pid (then, for
`reap PID`, waits for it and prints `reaped`). `... write WATCHLIST LOG`: one writer.
`... read WATCHLIST COUNT`: a reader (see `read_until`).

A writer is a dashboard's `SavedStates` saving every watched batch, round after round: in
round n every batch has processed n records, all in one save, and after each save returns
it appends `n` to LOG in one `os.write`. So a save that was not atomic shows as batches
with different counts, and a save that was lost as a count below the last one logged.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import SystemClock
from reap_tui.engine.saved_states import SavedStates
from reap_tui.engine.state import BatchState, Phase
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path

URL = "https://sandbox-compliance.api.reap.global"
TOTAL = 1_000_000_000


def state(batch_id: str, processed: int) -> BatchState:
    created = datetime(2025, 10, 8, 11, 40, tzinfo=UTC)
    status = BatchStatus(
        batch_id=batch_id,
        status=BatchStatusValue.from_wire("in_progress"),
        total_records=TOTAL,
        processed_records=processed,
        failed_records=0,
        created_at=created,
        updated_at=created,
        started_at=created,
        completed_at=None,
        summary=Summary(processed, errors=tuple(f"row {n}: bad" for n in range(20))),
    )
    return BatchState(batch_id, phase=Phase.POLLING, status=status, last_checked_at=processed)


def write_forever(path: Path, log_path: str) -> None:
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    clock = SystemClock()
    watchlist = WatchList.open(path, clock)
    saved = SavedStates.open(watchlist, clock, URL)
    rounds = [saved.initial_state(entry).status for entry in watchlist.entries]
    done = max((status.processed_records for status in rounds if status), default=0)
    while True:
        done += 1
        states = {entry.batch_id: state(entry.batch_id, done) for entry in watchlist.entries}
        saved.changed(states)
        assert saved.save(states), saved.take_problem()
        os.write(log, f"{done}\n".encode())


def read_until(path: Path, count: int) -> None:
    """Read whenever the writer saved, until `count` different rounds were seen; print what
    was seen as JSON: rounds seen, and every read that mixed rounds or went back."""
    database = StateDB.open(state_db_path(path), SystemClock(), read_only=True)
    seen: list[int] = []
    wrong: list[str] = []
    while len(seen) < count:
        if not database.changed():
            time.sleep(0.001)
            continue
        rounds = {row.record.get("processedRecords") for row in database.read().values()}
        if not rounds:
            continue
        if len(rounds) != 1:
            wrong.append(f"one read saw rounds {sorted(rounds)}")
        latest = max(rounds)
        if seen and latest < seen[-1]:
            wrong.append(f"round {latest} after round {seen[-1]}")
        if not seen or latest != seen[-1]:
            seen.append(latest)
    print(json.dumps({"seen": seen, "wrong": wrong}), flush=True)


def serve_forks(path: Path) -> None:
    for command in sys.stdin:
        verb, argument = command.split()
        if verb == "fork":
            pid = os.fork()
            if pid == 0:
                write_forever(path, argument)
            print(pid, flush=True)
        else:
            os.waitpid(int(argument), 0)
            print("reaped", flush=True)


if __name__ == "__main__":
    role, watchlist_path, *rest = sys.argv[1:]
    if role == "serve":
        serve_forks(Path(watchlist_path))
    elif role == "write":
        write_forever(Path(watchlist_path), rest[0])
    else:
        read_until(Path(watchlist_path), int(rest[0]))
