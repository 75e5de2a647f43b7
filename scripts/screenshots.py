"""Write the README's SVG screenshots to screenshots/ from the demo at a fixed clock.

    .venv/bin/python scripts/screenshots.py

The demo sandbox and the dashboard share a fake clock that starts at a fixed moment and is
moved forward in small steps, so the pictures are the same from run to run (up to jitter).
The key shown is the sandbox's own, masked.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import demo_app
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.demo import FLAPPING_ID, demo_batches, demo_import, demo_processor
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.import_rows import import_key

START = 1_759_923_600.0  # 2025-10-08 11:40:00 UTC
SPEED = 20.0
OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def run_for(pilot: Pilot[None], clock: FakeClock, seconds: float) -> None:
    """Let `seconds` of clock time pass in small steps, giving requests time to land."""
    steps = round(seconds / 0.1)
    for _ in range(steps):
        clock.advance(0.1)
        await pilot.pause(0.02)
    await pilot.pause(0.4)


async def shoot(
    name: str,
    size: tuple[int, int],
    select: str | None = None,
    keys: tuple[str, ...] = (),
    *,
    until_error: bool = False,
    with_import: str | None = None,
    seconds: float = 12.0,
) -> Path:
    """`until_error`: go on until the selected batch's last check failed (the demo's flapping
    batch fails every other check), so its error panel is in the picture. With `with_import`
    (its name), the demo's import is served and watched, and its row selected and opened."""
    clock = FakeClock(START, auto_advance=False)
    batches = [*demo_batches(START, SPEED), *(demo_import(START, SPEED) if with_import else [])]
    server = SandboxServer(clock, speed=SPEED, batches=batches, processor=demo_processor(START))
    with server, tempfile.TemporaryDirectory() as folder:
        app: DashboardApp = demo_app(
            clock, server, Path(folder) / "watchlist.toml", rng=random.Random(5)
        )
        async with app.run_test(size=size) as pilot:
            await run_for(pilot, clock, seconds)
            while until_error and select and app.engine.states[select].failure is None:
                await run_for(pilot, clock, 0.5)
            app.clear_notifications()
            if with_import:
                app.table.select(import_key(with_import))
                await pilot.press("right")  # open: its batches under it
            if select:
                app.select_batch(select)
            for key in keys:
                await pilot.press(key)
            await pilot.pause(0.5)
            path = OUT / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
    return path


async def main() -> int:
    OUT.mkdir(exist_ok=True)
    made = [
        await shoot("overview", (120, 36)),
        await shoot("detail-error", (120, 36), select=FLAPPING_ID, until_error=True),
        await shoot("add-dialog", (120, 36), keys=("a", *"784d4045-c900-4050-aad6")),
        await shoot("narrow", (80, 24), select=FLAPPING_ID),
        await shoot("columns", (120, 36), keys=("C", "down", "down", "space")),
        await shoot("import", (120, 36), with_import="March", seconds=30.0),
        await shoot("import-narrow", (80, 24), with_import="March", seconds=30.0),
    ]
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
