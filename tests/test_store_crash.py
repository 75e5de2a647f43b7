"""The watch list survives SIGKILL at any moment, and concurrent programs merge their changes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.store import WatchList

from .conftest import START

ROOT = Path(__file__).resolve().parent.parent


def _worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_workers", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def fork_server(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    server = _worker(str(tmp_path / "watchlist.toml"))
    yield server
    assert server.stdin is not None
    server.stdin.close()
    server.wait(timeout=30)


def _ask(server: subprocess.Popen[str], line: str) -> str:
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(line + "\n")
    server.stdin.flush()
    return server.stdout.readline().strip()


def _wait_for_first_line(log: Path) -> None:
    deadline = time.monotonic() + 30
    while not (log.exists() and b"\n" in log.read_bytes()):
        assert time.monotonic() < deadline, "the writer made no save in 30 s"
        time.sleep(0.001)


def test_sigkill_during_writes_never_loses_a_committed_entry(
    tmp_path: Path, fork_server: subprocess.Popen[str]
) -> None:
    path = tmp_path / "watchlist.toml"
    rng = random.Random(20251008)
    present: set[str] = set()  # reported saved, and not since picked for removal
    gone: set[str] = set()  # reported removed
    for run in range(200):
        log = tmp_path / f"run{run}.log"
        pid = int(_ask(fork_server, f"fork {log}"))
        _wait_for_first_line(log)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        assert _ask(fork_server, f"reap {pid}") == "reaped"

        for line in log.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # cut off by the kill: the save it reports may not have returned
            mark, batch_id = line.split()
            if mark == "+":
                present.add(batch_id)
            elif mark == "?":
                present.discard(batch_id)
            else:
                gone.add(batch_id)

        on_disk = {e.batch_id for e in WatchList.open(path, FakeClock(START)).entries}
        assert present <= on_disk, f"run {run}: saved entries missing: {present - on_disk}"
        assert not gone & on_disk, f"run {run}: removed entries came back: {gone & on_disk}"
        WatchList.open(path.with_name(path.name + ".bak"), FakeClock(START))

    # The next save clears the temp files the killed writers left behind.
    watchlist = WatchList.open(path, FakeClock(START))
    watchlist.add(str(uuid.uuid4()), environment="sandbox", base_url="https://example.test")
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_two_programs_adding_100_batches_each_at_once_keep_all_200(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    batches = [[str(uuid.uuid4()) for _ in range(100)] for _ in range(2)]
    workers = [_worker(str(path), *ids) for ids in batches]
    for worker in workers:  # both are loaded and waiting; release them together
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    entries = WatchList.open(path, FakeClock(START)).entries
    assert len(entries) == 200
    assert {e.batch_id for e in entries} == set(batches[0]) | set(batches[1])
