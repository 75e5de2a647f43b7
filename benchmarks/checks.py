"""Scenario 2, cost per check: the dashboard's CPU time per completed check (request, parse,
state, table update) with N batches polling the sandbox at a high speed factor, beside a bare
`httpx.AsyncClient` loop making the same number of requests; and the idle dashboard's share
of a core, beside an idle bare table app.

Checks run with the cadence sped up and the request rate cap raised (loopback only), so the
process is busy checking and the figure is the cost of a check, not of waiting between them.
Each measurement is a fresh process; the sandbox runs in the parent, so none of its work is
counted here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

# The polling cadence is divided by this; the 30-minute window is kept at an hour so no batch
# times out while it is measured.
CHECK_SPEED = 100.0
CHECK_WINDOW = 3600.0
MAX_IN_FLIGHT = 4
FAST_RATE = 10_000.0
# Start-up's work (mounting, the first requests) is left out of the window measured.
WARM_UP_SECONDS = 2.0


def measure_reap_checks(
    count: int, watchlist: str, base_url: str, seconds: float
) -> dict[str, Any]:
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import dashboard_app
    from reap_tui.engine.cadence import CadenceConfig
    from reap_tui.engine.limiter import Limits

    cadence = dataclasses.replace(CadenceConfig().scaled(CHECK_SPEED), window=CHECK_WINDOW)
    limits = Limits(max_in_flight=MAX_IN_FLIGHT, per_second=FAST_RATE)

    async def run() -> dict[str, Any]:
        app = dashboard_app(Path(watchlist), base_url, cadence=cadence, limits=limits)
        async with app.run_test(size=SCREEN_SIZE) as pilot:

            def completed() -> int:
                health = app.engine.health
                return health.requests_made - health.in_flight

            await asyncio.sleep(WARM_UP_SECONDS)
            checks, cpu = completed(), time.process_time()
            await asyncio.sleep(seconds)
            checks, cpu = completed() - checks, time.process_time() - cpu
            await pilot.exit(None)
        return {"checks": checks, "cpu_seconds": cpu, "cpu_per_check": cpu / max(1, checks)}

    return asyncio.run(run())


def measure_bare_checks(count: int, base_url: str, requests: int) -> dict[str, Any]:
    """`requests` GETs of the same batch URLs with the same headers, `MAX_IN_FLIGHT` at a time,
    each body read and decoded as JSON; after one warm-up round of `count`."""
    import httpx

    from benchmarks.fixtures import API_KEY, batch_ids

    ids = batch_ids(count)

    async def run() -> dict[str, Any]:
        headers = {"Accept": "application/json", "Accept-Version": "v1.0"}
        headers["x-reap-api-key"] = API_KEY
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
            next_request = 0

            async def worker(total: int) -> None:
                nonlocal next_request
                while next_request < total:
                    batch_id = ids[next_request % count]
                    next_request += 1
                    response = await client.get(f"/entity/kyc/import/batch/{batch_id}")
                    response.json()

            await asyncio.gather(*(worker(count) for _ in range(MAX_IN_FLIGHT)))
            next_request, cpu = 0, time.process_time()
            await asyncio.gather(*(worker(requests) for _ in range(MAX_IN_FLIGHT)))
            cpu = time.process_time() - cpu
        return {"checks": requests, "cpu_seconds": cpu, "cpu_per_check": cpu / max(1, requests)}

    return asyncio.run(run())


def measure_reap_idle(count: int, watchlist: str, base_url: str, seconds: float) -> dict[str, Any]:
    """The dashboard on N final batches (no checks to make), once start-up has settled."""
    from benchmarks.bare_app import SCREEN_SIZE
    from benchmarks.dashboard import dashboard_app

    async def run() -> float:
        app = dashboard_app(Path(watchlist), base_url)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            share = await _idle_share(seconds)
            await pilot.exit(None)
        return share

    return {"core_percent": asyncio.run(run())}


def measure_bare_idle(count: int, seconds: float) -> dict[str, Any]:
    from benchmarks.bare_app import SCREEN_SIZE, BareTableApp

    async def run() -> float:
        app = BareTableApp(count)
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            share = await _idle_share(seconds)
            await pilot.exit(None)
        return share

    return {"core_percent": asyncio.run(run())}


SETTLE_SECONDS = 2.5


async def _idle_share(seconds: float) -> float:
    """Percent of one core used over `seconds`, after `SETTLE_SECONDS` of start-up work."""
    await asyncio.sleep(SETTLE_SECONDS)
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    return 100.0 * (time.process_time() - cpu) / (time.perf_counter() - wall)
