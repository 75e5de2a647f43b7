"""One poller per watch list: two dashboards and a `watch` on one list, as on-call machines run
them. The first dashboard checks; the second follows it (its header says so), sends a person's
`r` to it, or makes that check once when it cannot; `watch` follows what the dashboard polls; a
follower takes over when the holder is killed, and `watch` when the last dashboard quits. The
real programs under pseudo-terminals at `--speed 30` (30 s of cadence = 1 s), and the sandbox's
request log as the proof: no batch is ever checked twice within the cadence's 30 s.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.sandbox.handler import RequestRecord
from reap_tui.store import WatchList

from .cli_support import ROOT, user_env
from .pty_support import PATIENCE, Terminal

KEY = "sandbox-one-poller-key-0123456789"
SPEED = 30
SHORTEST = 30 / SPEED  # the cadence's shortest interval between two checks, in real seconds


def status_times(log: list[RequestRecord]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(list)
    for record in log:
        if record.method == "GET" and record.batch_id:
            times[record.batch_id].append(record.at)
    return {batch_id: sorted(each) for batch_id, each in times.items()}


def checked_too_soon(log: list[RequestRecord]) -> list[tuple[str, float]]:
    """Every pair of checks of one batch closer than the cadence allows: (batch, gap)."""
    return [
        (batch_id, later - earlier)
        for batch_id, times in status_times(log).items()
        for earlier, later in itertools.pairwise(times)
        if later - earlier < SHORTEST
    ]


def checks_of(server: SandboxServer, batch_id: str, *, after: float = 0.0) -> int:
    return sum(1 for at in status_times(server.request_log).get(batch_id, []) if at > after)


@pytest.fixture
def running() -> Iterator[SandboxServer]:
    now = time.time()
    batches = [
        ScriptedBatch(str(uuid.uuid4()), total_records=1_000_000, created_at=now, rate=1)
        for _ in range(3)
    ]
    with SandboxServer(SystemClock(), api_key=KEY, batches=batches) as server:
        yield server


@pytest.fixture
def finished() -> Iterator[SandboxServer]:
    """One batch that is complete at its first check: no automatic check follows it."""
    batch = ScriptedBatch(str(uuid.uuid4()), total_records=5, created_at=time.time() - 3600)
    with SandboxServer(SystemClock(), api_key=KEY, batches=[batch]) as server:
        yield server


def watchlist(tmp_path: Path, server: SandboxServer, batch_ids: list[str]) -> Path:
    path = tmp_path / "watchlist.toml"
    listed = WatchList.open(path, SystemClock())
    for batch_id in batch_ids:
        listed.add(batch_id, environment="custom", base_url=server.base_url)
    return path


def dashboard(tmp_path: Path, server: SandboxServer, path: Path, *, key: bool = True) -> Terminal:
    args = ["--watchlist", str(path), "--base-url", server.base_url, "--speed", str(SPEED)]
    return Terminal(args, tmp_path / "home", **({"REAP_API_KEY": KEY} if key else {}))


def watch(
    tmp_path: Path, server: SandboxServer, path: Path, *batch_ids: str
) -> subprocess.Popen[str]:
    command = ["watch", *batch_ids, "--watchlist", str(path), "--base-url", server.base_url]
    return subprocess.Popen(
        [sys.executable, "-m", "reap_tui", *command, "--speed", str(SPEED)],
        cwd=ROOT,
        env=user_env(tmp_path / "home", REAP_API_KEY=KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: object, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.05)


def test_a_second_dashboard_follows_and_takes_over_when_the_first_is_killed(
    tmp_path: Path, running: SandboxServer
) -> None:
    server = running
    ids = server.batch_ids
    path = watchlist(tmp_path, server, ids)
    first = dashboard(tmp_path, server, path)
    second = third = None
    watcher = None
    try:
        first.shows("Batches (3)")
        wait_until(lambda: all(checks_of(server, b) for b in ids), "checked every batch")
        second = dashboard(tmp_path, server, path)
        second.shows(f"following pid {first.pid}: checks are made there")
        watcher = watch(tmp_path, server, path, ids[0])
        began = time.time()
        wait_until(lambda: all(checks_of(server, b, after=began) >= 3 for b in ids), "went on")

        first.process.kill()
        killed = time.time()
        second.shows("Checks made here now")
        wait_until(lambda: all(checks_of(server, b, after=killed) >= 3 for b in ids), "took over")

        assert watcher.poll() is None, "watch is still following"
        watcher.send_signal(signal.SIGTERM)
        printed, errors = watcher.communicate(timeout=PATIENCE)
        assert watcher.returncode == 143, errors
        assert "in progress" in printed, "watch showed the dashboard's states"
        assert checked_too_soon(server.request_log) == []
        second.type("q")
        assert second.finish() == 0
        assert {e.batch_id for e in WatchList.open(path, SystemClock()).entries} == set(ids)
    finally:
        for terminal in (first, second, third):
            if terminal is not None:
                terminal.close()
        if watcher is not None and watcher.poll() is None:
            watcher.kill()
            watcher.communicate()


def test_r_on_a_follower_is_made_by_the_holder_or_once_when_it_cannot_be(
    tmp_path: Path, finished: SandboxServer
) -> None:
    """The holder checks the batch once (it is complete: no automatic check follows). A follower
    without a key can only have its `r` made by the holder; with the holder suspended (Ctrl-Z, no
    heartbeat), a follower with a key makes it once itself, and the holder, resumed, does not
    make it again."""
    server = finished
    (batch_id,) = server.batch_ids
    path = watchlist(tmp_path, server, [batch_id])
    holder = dashboard(tmp_path, server, path)
    keyless = with_key = None
    try:
        holder.shows("Batches (1)")
        wait_until(lambda: checks_of(server, batch_id) == 1, "checked it")
        keyless = dashboard(tmp_path, server, path, key=False)
        keyless.shows(f"following pid {holder.pid}")
        keyless.shows("✓")  # the holder's saved state: completed
        keyless.type("r")
        wait_until(lambda: checks_of(server, batch_id) == 2, "made the follower's check")

        with_key = dashboard(tmp_path, server, path)
        with_key.shows(f"following pid {holder.pid}")
        with_key.shows("✓")
        holder.process.send_signal(signal.SIGTSTP)  # Ctrl-Z
        with_key.type("r")
        wait_until(lambda: checks_of(server, batch_id) == 3, "checked once from the follower")
        with_key.shows("Checked from here")
        holder.process.send_signal(signal.SIGCONT)
        keyless.type("r")
        wait_until(lambda: checks_of(server, batch_id) == 4, "made the next check")

        holder.type("q")
        assert holder.finish() == 0
        assert checks_of(server, batch_id) == 4, "the check made once was not made again"
    finally:
        for terminal in (holder, keyless, with_key):
            if terminal is not None:
                terminal.close()


def test_watch_follows_a_dashboards_batches_polls_the_rest_and_takes_over_when_it_quits(
    tmp_path: Path, running: SandboxServer
) -> None:
    server = running
    listed, also_listed, unlisted = server.batch_ids
    path = watchlist(tmp_path, server, [listed, also_listed])
    holder = dashboard(tmp_path, server, path)
    watcher = None
    try:
        holder.shows("Batches (2)")
        wait_until(lambda: checks_of(server, listed) >= 1, "checked it")
        watcher = watch(tmp_path, server, path, listed, unlisted)
        wait_until(lambda: checks_of(server, unlisted) >= 3, "polled the batch nobody polls")

        holder.type("q")
        assert holder.finish() == 0
        quit_at = time.time()
        wait_until(lambda: checks_of(server, listed, after=quit_at) >= 3, "took the batch over")
        assert checks_of(server, also_listed, after=quit_at) == 0, "not watch's to poll"

        watcher.send_signal(signal.SIGTERM)
        _, errors = watcher.communicate(timeout=PATIENCE)
        assert watcher.returncode == 143, errors
        assert checked_too_soon(server.request_log) == []
    finally:
        holder.close()
        if watcher is not None and watcher.poll() is None:
            watcher.kill()
            watcher.communicate()


def test_a_dashboard_started_beside_a_watch_takes_its_batches_over_from_its_last_checks(
    tmp_path: Path, running: SandboxServer
) -> None:
    """`watch` polls a batch of the list alone; a dashboard opened then waits for it to stop and
    save before its first check of it, so the two never check it within 30 s of each other."""
    server = running
    listed, other, _ = server.batch_ids
    path = watchlist(tmp_path, server, [listed, other])
    watcher = watch(tmp_path, server, path, listed)
    holder = None
    try:
        wait_until(lambda: checks_of(server, listed) >= 3, "polled it alone")
        holder = dashboard(tmp_path, server, path)
        holder.shows("Checks made here now")  # once watch has stopped and saved
        opened = time.time()
        wait_until(lambda: checks_of(server, listed, after=opened) >= 3, "checked it on")
        wait_until(lambda: checks_of(server, other, after=opened) >= 3, "checked the other")
        assert watcher.poll() is None, "watch follows it now"
        watcher.send_signal(signal.SIGTERM)
        _, errors = watcher.communicate(timeout=PATIENCE)
        assert watcher.returncode == 143, errors
        assert checked_too_soon(server.request_log) == []
    finally:
        if holder is not None:
            holder.close()
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
