"""The state database with real processes: a writer SIGKILLed in the middle of its saves
loses no batch and leaves a database the next start reads as it is; readers in other
processes see every save whole, never a mix of two, never going back."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.engine.saved_states import SavedStates
from reap_tui.store import Entry, WatchList
from reap_tui.store.model import Source
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START
from .statedb_workers import URL

ROOT = Path(__file__).resolve().parent.parent
BATCHES = 200
KILLS = 30


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.statedb_workers", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def watch_list(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "watchlist.toml"
    WatchList.open(path, FakeClock(START)).add_many(
        [
            Entry(f"{n:08x}-0000-4000-8000-000000000000", START, Source.MANUAL, "sandbox", URL)
            for n in range(BATCHES)
        ]
    )
    return path


@pytest.fixture
def fork_server(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    server = worker("serve", str(watch_list(tmp_path)))
    yield server
    assert server.stdin is not None
    server.stdin.close()
    server.wait(timeout=30)


def ask(server: subprocess.Popen[str], line: str) -> str:
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(line + "\n")
    server.stdin.flush()
    return server.stdout.readline().strip()


def wait_for_first_save(log: Path) -> None:
    deadline = time.monotonic() + 60
    while not (log.exists() and b"\n" in log.read_bytes()):
        assert time.monotonic() < deadline, "the writer saved nothing in 60 s"
        time.sleep(0.001)


def rounds_saved(log: Path) -> list[int]:
    """The rounds whose save had returned (a line cut by the kill does not count)."""
    return [int(line) for line in log.read_text().splitlines(keepends=True) if line.endswith("\n")]


def test_sigkill_during_saves_loses_nothing_and_leaves_a_readable_database(
    tmp_path: Path, fork_server: subprocess.Popen[str]
) -> None:
    path = tmp_path / "data" / "watchlist.toml"
    database = state_db_path(path)
    rng = random.Random(20251008)
    clock = FakeClock(START)
    confirmed = 0
    for run in range(KILLS):
        log = tmp_path / f"run{run}.log"
        pid = int(ask(fork_server, f"fork {log}"))
        wait_for_first_save(log)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(pid, signal.SIGKILL)
        assert ask(fork_server, f"reap {pid}") == "reaped"
        confirmed = max([confirmed, *rounds_saved(log)])

        reader = StateDB.open(database, clock, read_only=True)  # as `list` reads it
        rows = reader.read()
        assert reader.take_problem() is None, f"run {run}"
        reader.close()
        rounds = {row.record["processedRecords"] for row in rows.values()}
        assert len(rows) == BATCHES, f"run {run}: a batch's state is missing"
        assert len(rounds) == 1, f"run {run}: one save half written: {sorted(rounds)}"
        [found] = rounds
        assert confirmed <= found <= confirmed + 1, f"run {run}: saved {confirmed}, found {found}"
        confirmed = found

        watchlist = WatchList.open(path, clock)
        saved = SavedStates.open(watchlist, clock, URL)  # as the next dashboard starts
        assert saved.take_problem() is None
        states = [saved.initial_state(entry) for entry in watchlist.entries]
        saved.close()
        assert len(states) == BATCHES
        assert {s.status.processed_records for s in states if s.status} == {found}
        connection = sqlite3.connect(database)
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.close()
    assert list(database.parent.glob("*.corrupt-*")) == []


def test_readers_in_other_processes_see_each_save_whole(tmp_path: Path) -> None:
    path = watch_list(tmp_path)
    writer = worker("write", str(path), str(tmp_path / "writer.log"))
    readers = [worker("read", str(path), "25") for _ in range(2)]
    try:
        reports = []
        for reader in readers:
            output, _ = reader.communicate(timeout=300)
            assert reader.returncode == 0
            reports.append(json.loads(output))
    finally:
        writer.kill()
        writer.wait()
        for reader in readers:
            reader.kill()
            reader.wait()
    for report in reports:
        assert report["wrong"] == []
        assert len(report["seen"]) == 25 and report["seen"] == sorted(report["seen"])
