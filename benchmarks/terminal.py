"""The dashboard as a user runs it: `reap-tui` in a real (pseudo-)terminal against the sandbox
at the documented cadence, measured from outside (CPU of the whole process from /proc,
checks from the sandbox's own request log), beside baselines run the same way in the same run.

- checks: CPU per check of the dashboard, of a bare asyncio + httpx loop making the same
  requests at the same rate, and of a bare Textual `DataTable` app updating one row per request;
  how many checks a second the dashboard reaches (the rate cap is 5/s); and the least any
  Textual app showing something live costs (one line redrawn a second), per check at the
  dashboard's rate: the dashboard cannot cost less than the loop plus that.
- no key: the dashboard started without an API key: requests sent, share of a core.
- start-up: launch to the first frame showing the saved rows, beside the bare app with the same
  rows; CPU and resident memory at that frame. At the extra sizes (10,000) also with every
  batch's state as after hours of watching (full progress history and recent checks).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fixtures import API_KEY
from benchmarks.pty_process import PtyProcess, process_cpu_seconds
from benchmarks.report import Figure
from reap_tui.engine.limiter import Limits
from reap_tui.sandbox import SandboxServer

TERMINAL_SIZE = (160, 45)
FIRST_ROW = "Import part 0"  # the labels of saved batches (fixtures.write_watchlist)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TerminalSettings:
    warm_up: float = 30.0  # past start-up and the first round of checks of 100 batches
    # At 100 batches about 150 checks, so one batch more or less, a collection or a save in
    # or out of the window moves the figure by a few percent, not fifteen (as 40 s did).
    window: float = 90.0
    no_key_window: float = 20.0
    startup_runs: int = 5  # launches of each, alternated; the quickest counts (one slow launch
    # in a run, from whatever else the machine did then, is not the program's start-up)
    startup_extra_sizes: tuple[int, ...] = (10_000,)

    @classmethod
    def quick(cls) -> TerminalSettings:
        return cls(warm_up=6.0, window=6.0, no_key_window=4.0, startup_runs=1,
                   startup_extra_sizes=())  # fmt: skip


@dataclass(frozen=True)
class Window:
    cpu_seconds: float
    checks: int
    seconds: float

    @property
    def cpu_per_check(self) -> float:
        return self.cpu_seconds / max(1, self.checks)

    @property
    def checks_per_second(self) -> float:
        return self.checks / self.seconds

    @property
    def core_percent(self) -> float:
        return 100.0 * self.cpu_seconds / self.seconds


def user_environment(folder: Path, *, key: str | None) -> dict[str, str]:
    """A user's environment with nothing of this machine's reap-tui settings in it."""
    home = folder / "home"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }
    if key is not None:
        env["REAP_API_KEY"] = key
    return env


def dashboard(base_url: str, watchlist: str, folder: Path, *, key: str | None) -> PtyProcess:
    command = [sys.executable, "-m", "reap_tui", "--base-url", base_url, "--watchlist", watchlist]
    return PtyProcess(command, env=user_environment(folder, key=key), size=TERMINAL_SIZE)


def bare(mode: str, *args: object, folder: Path) -> PtyProcess:
    """A baseline (`bare_terminal`) on a terminal of the same size (the loop draws nothing)."""
    command = [sys.executable, "-m", "benchmarks.bare_terminal", mode, *map(str, args)]
    env = user_environment(folder, key=None)
    return PtyProcess(command, env=env, size=TERMINAL_SIZE, cwd=str(ROOT))


def measure_window(
    cpu: Callable[[], float], server: SandboxServer, warm_up: float, seconds: float
) -> Window:
    time.sleep(warm_up)
    began, cpu_before = time.time(), cpu()
    time.sleep(seconds)
    ended, cpu_after = time.time(), cpu()
    # Every request in the window: one without a key may be refused before its id is read.
    checks = sum(1 for record in server.request_log if began <= record.at < ended)
    return Window(cpu_after - cpu_before, checks, ended - began)


def checks(server: SandboxServer, folder: Path, watchlist: str, count: int,
           settings: TerminalSettings) -> list[Figure]:  # fmt: skip
    app = dashboard(server.base_url, watchlist, folder, key=API_KEY)
    try:
        app.wait_for(FIRST_ROW)
        reap = measure_window(app.cpu_seconds, server, settings.warm_up, settings.window)
    finally:
        app.close()
    rate = max(0.5, reap.checks_per_second)
    loop = bare("loop", server.base_url, count, rate, folder=folder)
    try:
        loop_window = measure_window(loop.cpu_seconds, server, 3.0, settings.window)
    finally:
        loop.close(quit_keys="")
    table = bare("table", server.base_url, count, rate, folder=folder)
    try:
        table.wait_for(FIRST_ROW)
        table_window = measure_window(table.cpu_seconds, server, 5.0, settings.window)
    finally:
        table.close()
    line = bare("line", folder=folder)
    try:
        line.wait_for(FIRST_ROW)
        line_window = measure_window(line.cpu_seconds, server, 5.0, settings.window)
    finally:
        line.close()
    baseline = loop_window.cpu_per_check * 1000
    value = reap.cpu_per_check * 1000
    floor = line_window.core_percent * 10 / rate  # ms of CPU a second, per check at `rate`
    cap = Limits().per_second
    reaches_cap = count >= 1000
    return [
        Figure("real terminal", count, f"CPU per check, dashboard ({reap.checks} checks)",
               value, "ms", baseline, "bare httpx loop", "<= 2x", value <= 2 * baseline),
        Figure("real terminal", count,
               f"CPU per check, bare DataTable ({table_window.checks} checks)",
               table_window.cpu_per_check * 1000, "ms", baseline, "bare httpx loop", "", None),
        Figure("real terminal", count,
               "CPU per check, a Textual app redrawing one line a second",
               floor, "ms", baseline, "bare httpx loop", "", None),
        Figure("real terminal", count, "checks per second, dashboard", reap.checks_per_second,
               "/s", cap, "rate cap", "= cap" if reaches_cap else "",
               reap.checks_per_second >= 0.95 * cap if reaches_cap else None),
        Figure("real terminal", count, "CPU, dashboard", reap.core_percent, "% of a core",
               loop_window.core_percent, "bare httpx loop", "", None),
    ]  # fmt: skip


def no_key(server: SandboxServer, folder: Path, watchlist: str, count: int,
           settings: TerminalSettings) -> list[Figure]:  # fmt: skip
    app = dashboard(server.base_url, watchlist, folder, key=None)
    try:
        app.wait_for(FIRST_ROW)
        window = measure_window(app.cpu_seconds, server, 5.0, settings.no_key_window)
    finally:
        app.close()
    return [
        Figure("no key", count, f"requests sent in {window.seconds:.0f} s", window.checks,
               "requests", 0, "none possible", "0", window.checks == 0),
        Figure("no key", count, "CPU", window.core_percent, "% of a core", None, "", "< 1%",
               window.core_percent < 1.0),
    ]  # fmt: skip


@dataclass(frozen=True)
class FirstFrame:
    seconds: float
    cpu_seconds: float
    rss_mb: float


def first_frame(process: PtyProcess) -> FirstFrame:
    try:
        shown_at = process.wait_for(FIRST_ROW)
        cpu = process_cpu_seconds(process.pid)
        rss, peak = process.memory_mb()
        return FirstFrame(shown_at - process.launched_at, cpu, max(rss, peak))
    finally:
        process.close()


def startup(server: SandboxServer, folder: Path, watchlist: Callable[[int, bool], str],
            counts: tuple[int, ...], settings: TerminalSettings) -> list[Figure]:  # fmt: skip
    """`watchlist(count, long_watched)`: a prepared watch list with its state database."""
    figures = []
    runs = [(count, False) for count in (*counts, *settings.startup_extra_sizes)]
    runs += [(count, True) for count in settings.startup_extra_sizes]
    for count, long_watched in runs:
        reap, plain = [], []
        for _ in range(settings.startup_runs):
            app = dashboard(server.base_url, watchlist(count, long_watched), folder, key=API_KEY)
            reap.append(first_frame(app))
            plain.append(first_frame(bare("startup", count, folder=folder)))
        best = min(reap, key=lambda frame: frame.seconds)
        base = min(plain, key=lambda frame: frame.seconds)
        ratio_target = count == 1000
        kind = ", full histories" if long_watched else ""
        figures += [
            Figure("real start-up", count, f"launch to first frame, wall{kind}", best.seconds, "s",
                   base.seconds, "bare app", "<= 1.2x" if ratio_target else
                   ("< 3 s" if count >= 10_000 else ""),
                   best.seconds <= 1.2 * base.seconds if ratio_target else
                   (best.seconds < 3.0 if count >= 10_000 else None)),
            Figure("real start-up", count, f"CPU at first frame{kind}", best.cpu_seconds, "s",
                   base.cpu_seconds, "bare app", "", None),
            Figure("real start-up", count, f"resident memory at first frame{kind}", best.rss_mb,
                   "MB",
                   base.rss_mb, "bare app", "< 150 MB" if count >= 10_000 else "",
                   best.rss_mb < 150 if count >= 10_000 else None),
        ]  # fmt: skip
    return figures
