"""Soak: two dashboards and a `watch` on one watch list for 30 simulated minutes, as on-call
machines run them, with the lease holder killed (SIGKILL) half-way.

The real `reap-tui` processes (dashboards under pseudo-terminals) against a sandbox of their
own at `--speed` (the cadence divided by it; limits raised for loopback in a settings file, so
the sped-up cadence is not held back by the rate cap), `reap-tui add` run beside them every
few simulated minutes. Measured from outside: the sandbox's request log (checks of one batch
closer than the cadence's 30 s; batches never checked after the takeover), the watch list at
the end (entries lost), the lease file (how long after the kill the follower held it). Then,
on a small list, how long a dashboard takes to save and exit once its terminal is gone (no
SIGHUP: input at end-of-file) and once sent SIGTERM.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fixtures import API_KEY, batch_ids, endless_batches
from benchmarks.pty_process import NeverShown, PtyProcess
from benchmarks.report import Figure
from benchmarks.terminal import ROOT, TERMINAL_SIZE, user_environment
from reap_tui.clock import SystemClock
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.handler import RequestRecord
from reap_tui.store import WatchList

SIMULATED_MINUTES = 30.0
SHORTEST = 30.0  # the cadence's shortest interval between two checks, simulated seconds
WATCHED_BY_WATCH = 10  # batches `reap-tui watch` is given (the first of the list)
ADD_EVERY = 180.0  # simulated seconds between two `reap-tui add` runs


@dataclass(frozen=True)
class SoakSettings:
    batches: int = 200
    speed: float = 6.0

    @classmethod
    def quick(cls) -> SoakSettings:
        return cls(batches=20, speed=60.0)


def settings_file(folder: Path) -> Path:
    """Limits a sped-up cadence needs (allowed for a loopback host only)."""
    path = folder / "soak-config.toml"
    path.write_text("[limits]\nmax_in_flight = 8\nmax_requests_per_second = 60\n")
    return path


def reap(*args: str) -> list[str]:
    return [sys.executable, "-m", "reap_tui", *args]


def soak(folder: Path, settings: SoakSettings) -> list[Figure]:
    count, speed = settings.batches, settings.speed
    extra = int(SIMULATED_MINUTES * 60 / ADD_EVERY)
    ids = batch_ids(count + extra)
    listed, to_add = ids[:count], ids[count:]
    real = SIMULATED_MINUTES * 60 / speed  # seconds the run lasts
    env = user_environment(folder, key=API_KEY)
    with SandboxServer(
        SystemClock(), api_key=API_KEY, batches=endless_batches(len(ids), time.time())
    ) as server:
        path = folder / "soak" / "watchlist.toml"
        path.parent.mkdir(parents=True)
        watchlist = WatchList.open(path, SystemClock())
        for batch_id in listed:
            watchlist.add(batch_id, environment="custom", base_url=server.base_url)
        where = ["--watchlist", str(path), "--base-url", server.base_url, "--speed", f"{speed:g}"]
        where += ["--config", str(settings_file(folder))]
        first = PtyProcess(reap(*where), env=env, size=TERMINAL_SIZE, cwd=str(ROOT))
        second = watcher = None
        try:
            first.wait_for(f"Batches ({count})")
            second = PtyProcess(reap(*where), env=env, size=TERMINAL_SIZE, cwd=str(ROOT))
            second.wait_for(f"following pid {first.pid}")
            watcher = subprocess.Popen(
                reap("watch", *listed[:WATCHED_BY_WATCH], "--json", *where),
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            began = time.time()
            added: list[str] = []
            killed_at = took_over_at = None
            while (elapsed := time.time() - began) < real:
                if killed_at is None and elapsed >= real / 2:
                    first.process.send_signal(signal.SIGKILL)
                    killed_at = time.time()
                    took_over_at = _wait_for_holder(path, second.pid)
                due = int(elapsed * speed / ADD_EVERY)
                while len(added) < min(due, len(to_add)):
                    batch_id = to_add[len(added)]
                    subprocess.run(
                        reap("add", batch_id, *where[:4]),
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        check=True,
                        timeout=60,
                    )
                    added.append(batch_id)
                time.sleep(0.2)
            second.type("q")
            second.process.wait(timeout=60)
            watcher.send_signal(signal.SIGTERM)
            watcher.communicate(timeout=60)
            log = server.request_log
        finally:
            for terminal in (first, second):
                if terminal is not None:
                    terminal.close(quit_keys="")
            if watcher is not None and watcher.poll() is None:
                watcher.kill()
                watcher.communicate()
    kept = {entry.batch_id for entry in WatchList.open(path, SystemClock()).entries}
    lost = ({*listed, *added}) - kept
    times = _check_times(log)
    too_soon = sum(
        1
        for each in times.values()
        for earlier, later in itertools.pairwise(each)
        if (later - earlier) * speed < SHORTEST
    )
    assert killed_at is not None
    after_kill = [
        batch_id
        for batch_id in [*listed, *added]
        if not any(at > killed_at for at in times.get(batch_id, []))
    ]
    first_after = min(
        (at for each in times.values() for at in each if at > killed_at), default=None
    )
    takeover = (took_over_at - killed_at) if took_over_at is not None else float("inf")
    figures = [
        Figure(
            "soak",
            count,
            f"checks closer than 30 s ({len(log)} checks)",
            too_soon,
            "pairs",
            target="0",
            met=too_soon == 0,
        ),
        Figure(
            "soak",
            count,
            f"entries lost ({len(listed)} + {len(added)} added)",
            len(lost),
            "entries",
            target="0",
            met=not lost,
        ),
        Figure(
            "soak",
            count,
            "takeover after SIGKILL of the holder (lease taken)",
            takeover,
            "s",
            target="< 10 s",
            met=takeover < 10,
        ),
        Figure(
            "soak",
            count,
            "batches never checked after the takeover",
            len(after_kill),
            "batches",
            target="0",
            met=not after_kill,
        ),
    ]
    if first_after is not None:
        figures.append(
            Figure(
                "soak",
                count,
                "first check after the kill (simulated)",
                (first_after - killed_at) * speed,
                "s",
            )
        )
    return figures


def _wait_for_holder(path: Path, pid: int) -> float | None:
    """The moment the lease file names `pid` (polled); None if it never does within 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for lease in path.parent.glob(path.name + ".*.lease"):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                if json.loads(lease.read_bytes().strip() or b"null").get("pid") == pid:
                    return time.time()
        time.sleep(0.02)
    return None


def _check_times(log: Sequence[RequestRecord]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(list)
    for record in log:
        if record.method == "GET" and record.batch_id:
            times[record.batch_id].append(record.at)
    return {batch_id: sorted(each) for batch_id, each in times.items()}


def endings(folder: Path) -> list[Figure]:
    """Seconds from the terminal closing (SIGHUP ignored: input at end-of-file) and from SIGTERM
    to the dashboard's exit, state saved, on ten batches."""
    ids = batch_ids(10)
    env = user_environment(folder, key=API_KEY)
    figures = []
    with SandboxServer(
        SystemClock(), api_key=API_KEY, batches=endless_batches(10, time.time())
    ) as server:
        for how in ("terminal closed", "SIGTERM"):
            path = folder / f"ending-{how.replace(' ', '-')}" / "watchlist.toml"
            path.parent.mkdir(parents=True)
            watchlist = WatchList.open(path, SystemClock())
            for batch_id in ids:
                watchlist.add(batch_id, environment="custom", base_url=server.base_url)
            command = reap("--watchlist", str(path), "--base-url", server.base_url)
            previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
            try:
                terminal = PtyProcess(command, env=env, size=TERMINAL_SIZE, cwd=str(ROOT))
            finally:
                signal.signal(signal.SIGHUP, previous)
            try:
                terminal.wait_for("Batches (10)")
                time.sleep(2)  # its first checks answered
                began = time.time()
                if how == "SIGTERM":
                    terminal.process.send_signal(signal.SIGTERM)
                else:
                    terminal.hang_up()
                code = terminal.process.wait(timeout=60)
                seconds = time.time() - began
            except (NeverShown, subprocess.TimeoutExpired):
                code, seconds = None, float("inf")
            finally:
                terminal.close(quit_keys="")
            figures.append(
                Figure(
                    "soak",
                    10,
                    f"{how}: to exit, saved (exit {code})",
                    seconds,
                    "s",
                    target="< 2 s",
                    met=seconds < 2 and code in (129, 143),
                )
            )
    return figures


def run(folder: Path, settings: SoakSettings) -> list[Figure]:
    return soak(folder, settings) + endings(folder)
