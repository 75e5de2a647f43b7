"""The state database: private, written per changed batch, shared safely, and a bad one costs
only what it cached (moved aside, told once, replaced), never a batch or an exception."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.engine.saved_states import SavedStates
from reap_tui.engine.state import BatchState, Phase
from reap_tui.store import Entry, WatchList
from reap_tui.store import statedb as statedb_module
from reap_tui.store.model import Source
from reap_tui.store.state_rows import SaveOutcome, StateRow
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START

URL = "https://sandbox-compliance.api.reap.global"


def ids(count: int) -> list[str]:
    return [f"{n:08x}-0000-4000-8000-000000000000" for n in range(count)]


A, B = ids(2)


def row(batch_id: str, checked_at: float | None, value: int, base_url: str = URL) -> StateRow:
    return StateRow(batch_id, base_url, checked_at, {"value": value})


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return state_db_path(tmp_path / "data" / "watchlist.toml")


@pytest.fixture
def opened(path: Path, clock: FakeClock) -> Iterator[Callable[..., StateDB]]:
    connections: list[StateDB] = []

    def open_db(read_only: bool = False) -> StateDB:
        connections.append(StateDB.open(path, clock, read_only=read_only))
        return connections[-1]

    yield open_db
    for connection in connections:
        connection.close()


def values(db: StateDB) -> dict[str, int]:
    return {batch_id: saved.record["value"] for batch_id, saved in db.read().items()}


def test_the_database_sits_beside_the_watch_list(tmp_path: Path) -> None:
    assert state_db_path(tmp_path / "watchlist.toml") == tmp_path / "watchlist.state.db"
    assert state_db_path(tmp_path / "team.list") == tmp_path / "team.list.state.db"


def test_a_missing_database_reads_as_empty_and_reading_creates_nothing(
    path: Path, opened: Callable[..., StateDB]
) -> None:
    reader = opened(read_only=True)
    assert (reader.read(), reader.get_view(), reader.changed()) == ({}, {}, False)
    assert reader.take_problem() is None
    assert not path.parent.exists()


def test_the_database_and_its_side_files_are_private(
    path: Path, opened: Callable[..., StateDB]
) -> None:
    db = opened()
    assert db.save([row(A, START, 1)]) is SaveOutcome.SAVED
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


def test_a_save_writes_only_the_rows_given_in_one_generation(
    opened: Callable[..., StateDB],
) -> None:
    db = opened()
    batches = ids(1000)
    db.save([row(batch_id, START, 0) for batch_id in batches])
    first = db.generation
    db.save([row(batch_id, START + 30, 1) for batch_id in batches[:10]], forget=[batches[-1]])

    reader = opened(read_only=True)
    changed = reader.read(since=first)
    assert sorted(changed) == batches[:10]
    assert {saved.generation for saved in changed.values()} == {first + 1}
    everything = values(reader)
    assert len(everything) == 999 and batches[-1] not in everything
    assert sum(everything.values()) == 10


def test_an_older_check_never_replaces_a_newer_one(opened: Callable[..., StateDB]) -> None:
    first, second = opened(), opened()
    first.save([row(A, START + 200, 12), row(B, START + 50, 1)])
    second.save([row(A, START + 100, 9), row(B, None, 0)])  # a slower program, behind
    assert values(first) == {A: 12, B: 1}
    second.save([row(A, START + 200, 13), row(B, START + 300, 5)])  # the same check: a pause
    assert values(first) == {A: 13, B: 5}
    second.save([row(A, START, 0, base_url="https://elsewhere.test")])  # re-added elsewhere
    assert values(first)[A] == 0


def test_a_reader_is_told_cheaply_when_another_program_saved(
    opened: Callable[..., StateDB],
) -> None:
    reader = opened(read_only=True)
    writer = opened()
    assert reader.changed(), "the database appeared"
    assert not reader.changed()
    writer.save([row(A, START, 1)])
    assert reader.changed()
    assert not reader.changed()
    assert values(reader) == {A: 1}


def test_the_view_is_kept_per_key(opened: Callable[..., StateDB]) -> None:
    db = opened()
    assert db.set_view({"sort": "attention", "columns": ["label", "status"], "filter": "x"})
    assert db.set_view({"filter": None, "selected": A})
    assert opened(read_only=True).get_view() == {
        "sort": "attention",
        "columns": ["label", "status"],
        "selected": A,
    }
    assert not db.set_view({"bad": {1, 2}}), "not JSON: refused, nothing raised"


def healthy_database(path: Path, clock: FakeClock, rows: int = 300) -> None:
    db = StateDB.open(path, clock)
    db.save([StateRow(batch_id, URL, START, {"text": "x" * 500}) for batch_id in ids(rows)])
    db.close()


def not_a_database(path: Path, clock: FakeClock) -> None:
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_bytes(b"reap-tui state\n" * 200)


def truncated(path: Path, clock: FakeClock) -> None:
    healthy_database(path, clock)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def all_nul(path: Path, clock: FakeClock) -> None:
    healthy_database(path, clock)
    path.write_bytes(bytes(path.stat().st_size))


def foreign_tables(path: Path, clock: FakeClock) -> None:
    path.parent.mkdir(parents=True, mode=0o700)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()


def newer_version(path: Path, clock: FakeClock) -> None:
    healthy_database(path, clock)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 2")
    connection.close()


def table_dropped(path: Path, clock: FakeClock) -> None:
    healthy_database(path, clock)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE meta")
    connection.close()


BAD = {
    "not a database": not_a_database,
    "truncated": truncated,
    "all NUL bytes": all_nul,
    "tables of another program": foreign_tables,
    "a newer schema": newer_version,
    "a table missing": table_dropped,
}


@pytest.mark.parametrize("spoil", BAD.values(), ids=BAD.keys())
def test_a_bad_database_is_moved_aside_told_once_and_replaced(
    tmp_path: Path, clock: FakeClock, spoil: Callable[[Path, FakeClock], None]
) -> None:
    listing = tmp_path / "data" / "watchlist.toml"
    path = state_db_path(listing)
    spoil(path, clock)
    bad = path.read_bytes()
    WatchList.open(listing, clock).add(A, environment="sandbox", base_url=URL)

    saved = SavedStates.open(WatchList.open(listing, clock), clock, URL)
    problem = saved.take_problem()
    assert problem is not None and saved.take_problem() is None
    [aside] = [p for p in path.parent.iterdir() if p.name.startswith(path.name + ".corrupt-")]
    assert aside.name == "watchlist.state.db.corrupt-20251008T114000Z"
    assert aside.read_bytes() == bad, "kept as it was"
    assert str(aside) in problem and "every batch is still watched" in problem

    entry = WatchList.open(listing, clock).entries[0]
    assert saved.initial_state(entry) == BatchState(A), "no state, but the batch"
    saved.changed([A])
    assert saved.save({A: BatchState(A, phase=Phase.COMPLETED, last_checked_at=START)})
    saved.close()
    assert StateDB.open(path, clock, read_only=True).read()[A].record["phase"] == "completed"


def test_a_database_locked_for_ever_is_replaced(
    path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy_database(path, clock)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(statedb_module, "OPEN_TIMEOUT", 0.05)
    try:
        db = StateDB.open(path, clock)
        problem = db.take_problem()
        assert problem is not None and "locked by another program" in problem
        assert db.save([row(A, START, 1)]) is SaveOutcome.SAVED
        db.close()
    finally:
        holder.close()
    assert [p.name for p in path.parent.glob("*.corrupt-*")] == [
        "watchlist.state.db.corrupt-20251008T114000Z"
    ]


def test_a_database_locked_while_saving_keeps_the_rows_for_later(
    path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statedb_module, "BUSY_TIMEOUT", 0.05)
    db = StateDB.open(path, clock)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    assert db.save([row(A, START, 1)]) is SaveOutcome.NOT_SAVED
    problem = db.take_problem()
    assert problem is not None and "locked by another program" in problem
    assert db.save([row(A, START, 1)]) is SaveOutcome.NOT_SAVED
    assert db.take_problem() is None, "told once"
    holder.execute("ROLLBACK")
    holder.close()
    assert db.save([row(A, START, 1)]) is SaveOutcome.SAVED
    assert values(db) == {A: 1}
    db.close()


def test_a_database_deleted_while_open_is_made_again(
    path: Path, opened: Callable[..., StateDB]
) -> None:
    db = opened()
    db.save([row(A, START, 1)])
    for file in path.parent.iterdir():
        file.unlink()
    assert db.save([row(B, START, 2)]) is SaveOutcome.RESET, "everything must be saved again"
    assert values(opened(read_only=True)) == {B: 2}


def test_a_folder_that_cannot_hold_the_database_costs_only_the_states(
    tmp_path: Path, clock: FakeClock
) -> None:
    listing = tmp_path / "data" / "watchlist.toml"
    WatchList.open(listing, clock).add(A, environment="sandbox", base_url=URL)
    state_db_path(listing).mkdir()  # where the file should be
    saved = SavedStates.open(WatchList.open(listing, clock), clock, URL)
    problem = saved.take_problem()
    assert problem is not None and "cannot be used" in problem
    saved.changed([A])
    assert not saved.save({A: BatchState(A)})
    assert saved.take_problem() is None, "told once"
    assert saved.db.trouble == problem

    shutil.rmtree(state_db_path(listing))  # the cause is gone: the next save works
    assert saved.save({A: BatchState(A)})
    saved.close()


def test_a_reader_never_moves_or_changes_a_bad_database(path: Path, clock: FakeClock) -> None:
    not_a_database(path, clock)
    bad = path.read_bytes()
    reader = StateDB.open(path, clock, read_only=True)
    assert reader.read() == {}
    problem = reader.take_problem()
    assert problem is not None and "cannot be read" in problem
    with pytest.raises(ValueError):
        reader.save([row(A, START, 1)])
    assert path.read_bytes() == bad
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_unreadable_rows_are_skipped(path: Path, opened: Callable[..., StateDB]) -> None:
    db = opened()
    db.save([row(A, START, 1), row(B, START, 2)])
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE batch_state SET record = '[1, 2' WHERE batch_id = ?", (B,))
    connection.close()
    assert values(db) == {A: 1}


def polling(batch_id: str, checked_at: float) -> BatchState:
    return BatchState(batch_id, phase=Phase.POLLING, checks_made=4, last_checked_at=checked_at)


def test_a_restart_rewrites_no_state_until_it_changes(tmp_path: Path, clock: FakeClock) -> None:
    listing = tmp_path / "watchlist.toml"
    WatchList.open(listing, clock).add_many(
        [Entry(b, START, Source.MANUAL, "sandbox", URL) for b in ids(100)]
    )
    first = SavedStates.open(WatchList.open(listing, clock), clock, URL)
    states = {batch_id: polling(batch_id, START) for batch_id in ids(100)}
    first.changed(states)
    assert first.save(states)
    first.close()

    watchlist = WatchList.open(listing, clock)
    again = SavedStates.open(watchlist, clock, URL)
    generation = again.db.generation
    restored = {entry.batch_id: again.initial_state(entry) for entry in watchlist.entries}
    assert {s.phase for s in restored.values()} == {Phase.WAITING_FIRST_CHECK}
    # What the pollers publish at start: their next check planned, nothing seen.
    published = {b: dataclasses.replace(s, next_check_at=START + 30) for b, s in restored.items()}
    again.changed(published)
    assert again.save(published)
    assert again.db.generation == generation, "nothing written"

    published[A] = dataclasses.replace(published[A], checks_made=5, last_checked_at=START + 40)
    again.changed([A])
    assert again.save(published)
    assert sorted(again.db.read(since=generation)) == [A]
    again.close()


def test_a_timed_save_writes_at_most_its_limit_and_the_rest_next_time(
    tmp_path: Path, clock: FakeClock
) -> None:
    listing = tmp_path / "watchlist.toml"
    saved = SavedStates.open(WatchList.open(listing, clock), clock, URL)
    states = {batch_id: polling(batch_id, START) for batch_id in ids(25)}
    saved.changed(states)
    written = []
    for _ in range(3):
        generation = saved.db.generation
        assert saved.save(states, limit=10)
        written.append(len(saved.db.read(since=generation)))
    assert written == [10, 10, 5]
    saved.close()


def test_a_fifo_where_the_database_should_be_hangs_nothing(
    tmp_path: Path, clock: FakeClock
) -> None:
    listing = tmp_path / "watchlist.toml"
    WatchList.open(listing, clock).add(A, environment="sandbox", base_url=URL)
    os.mkfifo(state_db_path(listing))
    reader = StateDB.open(state_db_path(listing), clock, read_only=True)
    assert reader.read() == {}
    problem = reader.take_problem()
    assert problem is not None and "not a regular file" in problem
    saved = SavedStates.open(WatchList.open(listing, clock), clock, URL)
    problem = saved.take_problem()
    assert problem is not None and "not a regular file" in problem
    assert saved.initial_state(WatchList.open(listing, clock).entries[0]) == BatchState(A)
    saved.close()


def test_a_reader_follows_a_database_replaced_under_it(
    path: Path, opened: Callable[..., StateDB]
) -> None:
    first = opened()
    first.save([row(A, START, 1)])
    reader = opened(read_only=True)
    assert values(reader) == {A: 1}
    reader.changed()
    first.close()
    for file in path.parent.iterdir():
        file.unlink()
    opened().save([row(B, START, 2)])
    assert reader.changed()
    assert values(reader) == {B: 2}
