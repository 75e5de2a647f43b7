"""Scenario 6, request discipline: the dashboard watching N batches, from its start, as the
sandbox's request log sees it: the most requests in any one second and the most in flight at
once, beside the engine's caps. The dashboard runs in a fresh process with the default
cadence and limits; the sandbox (and its log) stays in the parent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_dashboard(watchlist: str, base_url: str, seconds: float) -> dict[str, Any]:
    """The child: the dashboard on `watchlist`, from launch for `seconds` after its first frame."""
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import dashboard_app

    async def run() -> int:
        app = dashboard_app(Path(watchlist), base_url)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await asyncio.sleep(seconds)
            requests = app.engine.health.requests_made
            await pilot.exit(None)
        return requests

    return {"requests": asyncio.run(run())}


def max_in_any_second(times: Sequence[float]) -> int:
    """The most request arrivals in any half-open one-second window."""
    ordered = sorted(times)
    most, low = 0, 0
    for high, at in enumerate(ordered):
        while ordered[low] <= at - 1.0:
            low += 1
        most = max(most, high - low + 1)
    return most
