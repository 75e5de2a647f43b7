"""Scenario 4, memory: the dashboard's RSS through an hour of simulated checks of N batches,
sampled every 15 simulated minutes, beside a bare DataTable app of N rows (with the same
sandbox in its process).

The sandbox shares the process because it shares the fake clock: time jumps to the next
sleeper whenever no request is in flight, so an hour of the documented cadence (default rate
and in-flight caps) takes as long as its requests do. The 30-minute window is widened to the
hour so every batch keeps being checked throughout; the scripted batches never finish. A
wall-clock budget bounds the run: the figures say how many simulated minutes it reached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

SIMULATED_MINUTES = (15, 30, 45, 60)


def measure_reap(count: int, wall_budget: float) -> dict[str, Any]:
    """Samples at each of `SIMULATED_MINUTES` reached within `wall_budget` real seconds."""
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import dashboard_app
    from benchmarks.fixtures import API_KEY, START, endless_batches, write_watchlist
    from benchmarks.process_stats import peak_rss_mb, rss_mb
    from reap_tui.clock import FakeClock
    from reap_tui.engine.cadence import CadenceConfig
    from reap_tui.sandbox import SandboxServer

    clock = FakeClock(START)
    cadence = dataclasses.replace(CadenceConfig(), window=2 * 3600.0)

    async def run(server: SandboxServer, watchlist: Path) -> dict[str, Any]:
        app = dashboard_app(watchlist, server.base_url, clock=clock, cadence=cadence)
        clock.is_idle = lambda: app.engine.limiter.in_flight == 0
        samples = []
        deadline = time.monotonic() + wall_budget
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            for minutes in SIMULATED_MINUTES:
                while clock.now() < START + 60 * minutes and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                if clock.now() < START + 60 * minutes:
                    break
                samples.append({"minutes": minutes, "rss_mb": rss_mb()})
            reached = (clock.now() - START) / 60
            checks = app.engine.health.requests_made
            await pilot.exit(None)
        return {
            "samples": samples,
            "peak_rss_mb": peak_rss_mb(),
            "checks": checks,
            "simulated_minutes": reached,
        }

    with (
        SandboxServer(clock, api_key=API_KEY, batches=endless_batches(count, START)) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        watchlist = Path(folder) / "watchlist.toml"
        write_watchlist(watchlist, server.base_url, count, all_final=False, saved=False)
        return asyncio.run(run(server, watchlist))


def measure_bare(count: int) -> dict[str, Any]:
    from benchmarks.bare_app import SCREEN_SIZE, BareTableApp
    from benchmarks.fixtures import API_KEY, START, endless_batches
    from benchmarks.process_stats import peak_rss_mb
    from reap_tui.clock import FakeClock
    from reap_tui.sandbox import SandboxServer

    async def run() -> None:
        app = BareTableApp(count)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await pilot.pause(1.0)
            await pilot.exit(None)

    clock = FakeClock(START)
    with SandboxServer(clock, api_key=API_KEY, batches=endless_batches(count, START)):
        asyncio.run(run())
    return {"peak_rss_mb": peak_rss_mb()}
