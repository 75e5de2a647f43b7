"""kill -9 the dashboard in the middle of adds, removes and state saves: the watch list is
still valid and holds every batch whose row the dashboard had shown, and none it had shown
as removed; the state database beside it opens as it is (not replaced as unreadable).

The dashboard runs in Textual's headless driver in a subprocess (tests/durability_driver.py),
so "acknowledged on screen" is read from the app's own table, exactly, rather than scraped
from a terminal's byte stream. The app, its engine and its watch list are the real ones. Each
session kills itself as it is about to write a watch-list file for the n-th time (n picked
from a seeded random), which is where a write that is not atomic would leave a cut file: the
kill lands inside a write every time, however fast the machine is.
"""

from __future__ import annotations

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
from reap_tui.store.statedb import StateDB, state_db_path

from .cli_support import ROOT, user_env
from .conftest import START

SESSIONS = 4
IDS_PER_SESSION = 30
LAST_KILL_AT = 30  # writes: a few adds and removes in (each writes the list and its backup)


def batches(count: int) -> list[ScriptedBatch]:
    """Batches that keep changing (so states keep being saved) for about a minute."""
    now = time.time()
    return [
        ScriptedBatch(str(uuid.uuid4()), total_records=50_000, created_at=now, rate=1)
        for _ in range(count)
    ]


def read_log(log: Path, present: set[str], gone: set[str]) -> None:
    if not log.exists():
        return  # killed at its first write, before any row was shown
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


def test_kill_9_mid_write_keeps_every_acknowledged_batch(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    rng = random.Random(20251008)
    scripted = batches(SESSIONS * IDS_PER_SESSION)
    present: set[str] = set()  # shown as added, and not since picked for removal
    gone: set[str] = set()  # shown as removed
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
                str(rng.randint(1, LAST_KILL_AT)),
            ]
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.durability_driver", *arguments],
                cwd=ROOT,
                env=user_env(tmp_path),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                _, stderr = process.communicate(timeout=600)
            finally:
                process.kill()  # only if it outlived the timeout
                process.wait()
            assert process.returncode == -signal.SIGKILL, stderr.decode()

            read_log(log, present, gone)
            entries = WatchList.open(path, FakeClock(START)).entries
            saved = {entry.batch_id for entry in entries}
            assert present <= saved, f"session {session}: shown as added, lost: {present - saved}"
            assert not gone & saved, f"session {session}: shown as removed, back: {gone & saved}"
            WatchList.open(path.with_name(path.name + ".bak"), FakeClock(START))
            states = StateDB.open(state_db_path(path), FakeClock(START))
            states.read()
            assert states.take_problem() is None, f"session {session}"
            states.close()
