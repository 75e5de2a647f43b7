"""Scenario 3, table refresh: the time from N changed batch states reaching the dashboard to
the frame that shows them all, beside a bare DataTable writing the same rows' changed cells.

The states are handed to the app through the callback its engine publishes on, then applied
the way the app's own flush timer applies them (`_apply_changes`), so the figure covers
recording the states, the keyed table diff, the header, noting the changed batches for the
state database's next save, and painting the frame.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any


def measure_reap(count: int, watchlist: str, base_url: str, rounds: int) -> dict[str, Any]:
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import Publisher, dashboard_app
    from benchmarks.fixtures import running_state
    from benchmarks.frames import Frames
    from reap_tui.clock import SystemClock

    async def run() -> list[float]:
        publisher = Publisher()
        app = dashboard_app(Path(watchlist), base_url, publisher=publisher)
        frames = Frames(app, lambda: app.table.row_count == count)
        timings = []
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await frames.first()
            await pilot.pause(1.5)  # start-up's own flushes are done
            for round_ in range(1, rounds + 1):
                now = SystemClock().now()
                states = [running_state(index, 100 * round_, now) for index in range(count)]
                painted = frames.next()
                began = time.perf_counter()
                for state in states:
                    publisher.publish(state)
                app._apply_changes()
                timings.append(await painted - began)
            await pilot.exit(None)
        return timings

    return {"seconds": statistics.median(asyncio.run(run()))}


def measure_bare(count: int, rounds: int) -> dict[str, Any]:
    from textual.widgets import DataTable

    from benchmarks.bare_app import SCREEN_SIZE, BareTableApp
    from benchmarks.frames import Frames

    async def run() -> list[float]:
        app = BareTableApp(count)
        frames = Frames(app, lambda: app.query_one(DataTable).row_count == count)
        timings = []
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await frames.first()
            await pilot.pause(0.5)
            for round_ in range(1, rounds + 1):
                painted = frames.next()
                began = time.perf_counter()
                app.update_all_rows(100 * round_)
                timings.append(await painted - began)
            await pilot.exit(None)
        return timings

    return {"seconds": statistics.median(asyncio.run(run()))}
