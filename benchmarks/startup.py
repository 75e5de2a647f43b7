"""Scenario 1, start-up: process start to the first frame showing the saved state of N
batches, beside a bare Textual app mounting a DataTable of the same N rows.

Each run is a fresh process (see `isolated`); the clock starts just before it is launched,
so interpreter start-up and imports count. Textual runs headless (`run_test`). Besides the
wall time, the process's CPU time at that frame is kept: it does not grow when other programs
share the machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any


def measure_reap(count: int, watchlist: str, base_url: str, launched_at: float) -> dict[str, Any]:
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import dashboard_app
    from benchmarks.frames import Frames

    async def first_frame() -> Frames:
        app = dashboard_app(Path(watchlist), base_url)
        frames = Frames(app, lambda: app.table.row_count == count)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await frames.first()
            await pilot.exit(None)
        return frames

    return _figures(asyncio.run(first_frame()), launched_at)


def measure_bare(count: int, launched_at: float) -> dict[str, Any]:
    from textual.widgets import DataTable

    from benchmarks.bare_app import SCREEN_SIZE, BareTableApp
    from benchmarks.frames import Frames

    async def first_frame() -> Frames:
        app = BareTableApp(count)
        frames = Frames(app, lambda: app.query_one(DataTable).row_count == count)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await frames.first()
            await pilot.exit(None)
        return frames

    return _figures(asyncio.run(first_frame()), launched_at)


def _figures(frames: Any, launched_at: float) -> dict[str, Any]:
    return {"seconds": frames.first_at - launched_at, "cpu_seconds": frames.first_cpu}
