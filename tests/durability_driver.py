"""The dashboard driven by keys until it is killed: for tests/test_durability.py.

Run as `python -m tests.durability_driver WATCHLIST BASE_URL KEY LOG SEED IDS_FILE KILL_AT`:
the real app (real engine against the sandbox, states saved to the state database every
0.05 s) in Textual's headless driver. It adds each id of IDS_FILE through the add dialog (the
id pasted) and now and then removes a row through the remove dialog, appending to LOG, in one
`os.write` each, a line once the table shows the change: `+ id` (the row appeared), `? id`
(about to confirm a removal), `- id` (the row is gone). It kills itself with SIGKILL as it is
about to write to a file of the watch list for the KILL_AT-th time (an add's or a removal's
write, of the list, its backup or a temp file): the moment at which a write that is not
atomic would leave a cut or empty file behind.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from reap_tui.clock import SystemClock
from reap_tui.tui.app import DashboardApp

from .dashboard_support import sandbox_dashboard

SPEED = 600.0


async def until_shown(pilot: Pilot[None], app: DashboardApp, batch_id: str, shown: bool) -> None:
    while (batch_id in app.table.row_keys) is not shown:
        await pilot.pause(0.01)


async def drive(app: DashboardApp, ids: list[str], log: int, rng: random.Random) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        for batch_id in ids:
            await pilot.press("a")
            app.screen.query_one("#batch-id", Input).value = batch_id  # pasted
            await pilot.press("enter")
            await until_shown(pilot, app, batch_id, shown=True)
            os.write(log, f"+ {batch_id}\n".encode())
            shown = app.table.row_keys
            if len(shown) > 3 and rng.random() < 0.3:
                victim = rng.choice(shown)
                app.select_batch(victim)
                await pilot.press("d")
                os.write(log, f"? {victim}\n".encode())
                await pilot.press("y")
                await until_shown(pilot, app, victim, shown=False)
                os.write(log, f"- {victim}\n".encode())
        await asyncio.Event().wait()  # keep polling and saving states until killed


def kill_at_write(number: int, watchlist: Path) -> None:
    """SIGKILL this process when it is about to write to a watch-list file for the
    `number`-th time (a profile hook sees every call of a file's `write` method)."""
    folder = watchlist.parent.resolve()
    names = (watchlist.name, f".{watchlist.name}")
    seen = 0

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal seen
        if event != "c_call" or getattr(arg, "__name__", "") != "write":
            return
        target = getattr(arg, "__self__", None)
        if not isinstance(target, io.IOBase) or target.closed:
            return
        written = Path(os.readlink(f"/proc/self/fd/{target.fileno()}"))
        if written.parent == folder and written.name.startswith(names):
            seen += 1
            if seen == number:
                os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(hook)


def main(
    watchlist: str, base_url: str, key: str, log_path: str, seed: str, ids: str, kill_at: str
) -> None:
    kill_at_write(int(kill_at), Path(watchlist))
    app = sandbox_dashboard(SystemClock(), base_url, key, [], Path(watchlist), speed=SPEED)
    app.state_save_interval = 0.05  # states saved all the time, beside the list's writes
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    batch_ids = Path(ids).read_text().split()
    asyncio.run(drive(app, batch_ids, log, random.Random(int(seed))))


if __name__ == "__main__":
    main(*sys.argv[1:])
