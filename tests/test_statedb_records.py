"""Records are decoded one at a time, when a batch's state is made from its row: a record
broken past its first character costs that batch its saved state and nothing else."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reap_tui.clock import FakeClock
from reap_tui.engine.saved_states import SavedStates
from reap_tui.engine.state import Phase
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START
from .test_tui_startup import DONE, RUNNING, saved_list

URL = "http://127.0.0.1:9"


def test_a_record_broken_past_its_first_brace_costs_only_that_batch(tmp_path: Path) -> None:
    clock = FakeClock(START)
    listing = tmp_path / "watchlist.toml"
    saved_list(listing, clock, URL)
    with sqlite3.connect(state_db_path(listing)) as connection:
        connection.execute(
            "UPDATE batch_state SET record = ? WHERE batch_id = ?", ('{"format": 1, "pha', DONE)
        )
    connection.close()

    db = StateDB.open(state_db_path(listing), clock, read_only=True)
    rows = db.read()
    db.close()
    assert rows[DONE].record is None
    assert rows[RUNNING].record is not None

    watchlist = WatchList.open(listing, clock)
    saved = SavedStates.open(watchlist, clock, URL)
    states = {entry.batch_id: saved.initial_state(entry) for entry in watchlist.entries}
    saved.close()
    done, running = states[DONE], states[RUNNING]
    assert (done.label, done.status, done.phase) == ("Yesterday", None, Phase.WAITING_FIRST_CHECK)
    assert running.status is not None and running.status.processed_records == 1234
    assert running.checks_made == 3 and len(running.history) == 3
    assert len(WatchList.open(listing, clock).entries) == 2
