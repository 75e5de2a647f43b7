"""kill -9 the dashboard in the middle of adds, removes and snapshot writes: the watch list is
still valid and holds every batch whose row the dashboard had shown.

The dashboard runs in Textual's headless driver in a subprocess (tests/durability_driver.py),
so "acknowledged on screen" is read from the app's own table, exactly, rather than scraped
from a terminal's byte stream. The app, its engine and its watch list are the real ones.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from reap_tui.clock import FakeClock, SystemClock
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.store import WatchList

from .cli_support import ROOT, user_env
from .conftest import START

SESSIONS = 4
IDS_PER_SESSION = 30


def batches(count: int) -> list[ScriptedBatch]:
    """Batches that keep changing (so snapshots keep being written) for about a minute."""
    now = time.time()
    return [
        ScriptedBatch(str(uuid.uuid4()), total_records=50_000, created_at=now, rate=1)
        for _ in range(count)
    ]


def wait_for_first_add(log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not (log.exists() and b"+" in log.read_bytes()):
        assert process.poll() is None, "the dashboard exited before its first add"
        assert time.monotonic() < deadline, "the dashboard added nothing in 60 s"
        time.sleep(0.01)


def read_log(log: Path, present: set[str], gone: set[str]) -> None:
    for line in log.read_text().splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # cut by the kill: what it reports may not have happened
        mark, batch_id = line.split()
        if mark == "+":
            present.add(batch_id)
        elif mark == "?":
            present.discard(batch_id)  # confirmed or not, either outcome is allowed
        else:
            gone.add(batch_id)


def test_kill_9_mid_session_keeps_every_acknowledged_batch(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    rng = random.Random(20251008)
    scripted = batches(SESSIONS * IDS_PER_SESSION)
    present: set[str] = set()  # shown as added, and not since picked for removal
    gone: set[str] = set()  # shown as removed
    snapshots = 0
    with SandboxServer(SystemClock(), speed=600, batches=scripted) as server:
        for session in range(SESSIONS):
            ids = tmp_path / f"ids{session}.txt"
            chunk = scripted[session * IDS_PER_SESSION : (session + 1) * IDS_PER_SESSION]
            ids.write_text("\n".join(batch.batch_id for batch in chunk))
            log = tmp_path / f"session{session}.log"
            arguments = [
                str(path),
                server.base_url,
                server.api_key,
                str(log),
                str(session),
                str(ids),
            ]
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.durability_driver", *arguments],
                cwd=ROOT,
                env=user_env(tmp_path),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                wait_for_first_add(log, process)
                time.sleep(rng.uniform(0.0, 2.0))
            finally:
                os.kill(process.pid, signal.SIGKILL)
                _, stderr = process.communicate(timeout=30)
            assert b"Traceback" not in stderr, stderr.decode()

            read_log(log, present, gone)
            entries = WatchList.open(path, FakeClock(START)).entries
            saved = {entry.batch_id for entry in entries}
            snapshots += sum(entry.snapshot is not None for entry in entries)
            assert present <= saved, f"session {session}: shown as added, lost: {present - saved}"
            assert not gone & saved, f"session {session}: shown as removed, back: {gone & saved}"
            WatchList.open(path.with_name(path.name + ".bak"), FakeClock(START))
    assert len(present) >= SESSIONS, "every session added at least one batch before its kill"
    assert snapshots > 0, "snapshots were written between the adds"
