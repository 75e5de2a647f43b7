"""The baselines of the real-terminal scenarios, each a program of its own that runs until it
is stopped:

- `loop URL COUNT RATE`: a bare asyncio + httpx loop making the dashboard's requests (the same
  batch URLs and headers, at most 4 at once) at RATE per second, each body decoded as JSON;
- `table URL COUNT RATE`: a bare Textual app showing a `DataTable` of COUNT rows that makes
  the same requests at the same rate and updates one row per answer;
- `startup COUNT`: the same bare app showing its COUNT rows and doing nothing else;
- `line`: the least a Textual app that shows anything live can cost: a screen of text of which
  one line (a clock) is redrawn once a second, keys read as the dashboard reads them.

Run as `python -m benchmarks.bare_terminal MODE ...`; the benchmark measures it from outside.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import ClassVar

MAX_IN_FLIGHT = 4


async def paced_requests(
    base_url: str, count: int, rate: float, answered: Callable[[int, dict[str, object]], None]
) -> None:
    """Forever: one GET every 1/`rate` s, cycling over the first `count` batch ids."""
    import httpx

    from benchmarks.fixtures import API_KEY, batch_ids

    ids = batch_ids(count)
    headers = {"Accept": "application/json", "Accept-Version": "v1.0", "x-reap-api-key": API_KEY}
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:

        async def one(index: int) -> None:
            async with slots:
                response = await client.get(f"/entity/kyc/import/batch/{ids[index]}")
                answered(index, response.json())

        tasks: set[asyncio.Task[None]] = set()
        index = 0
        while True:
            task = asyncio.create_task(one(index % count))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            index += 1
            await asyncio.sleep(1.0 / rate)


def run_loop(base_url: str, count: int, rate: float) -> None:
    asyncio.run(paced_requests(base_url, count, rate, lambda _index, _body: None))


def run_table(base_url: str, count: int, rate: float) -> None:
    from textual.widgets import DataTable

    from benchmarks.bare_app import COLUMNS, UPDATED_COLUMNS, BareTableApp, row

    class RequestingTable(BareTableApp):
        def on_mount(self) -> None:
            # Textual calls BareTableApp.on_mount (the rows) on its own, before this one.
            self.run_worker(paced_requests(base_url, count, rate, self.show_answer))

        def show_answer(self, index: int, body: dict[str, object]) -> None:
            processed = body.get("processedRecords")
            cells = row(index, processed if isinstance(processed, int) else 0)
            table = self.query_one(DataTable)
            for column in UPDATED_COLUMNS:
                table.update_cell(str(index), COLUMNS[column], cells[column])

    RequestingTable(count).run()


def run_startup(count: int) -> None:
    from benchmarks.bare_app import BareTableApp

    BareTableApp(count).run()


def run_line() -> None:
    import time

    from textual.app import App, ComposeResult
    from textual.widget import Widget
    from textual.widgets import Static

    from reap_tui.tui.input_driver import QuietLinuxDriver

    class Clock(Widget):
        DEFAULT_CSS = "Clock { height: 1; }"

        def render(self) -> str:
            return time.strftime("%H:%M:%S")

    class OneLiveLine(App[None]):
        BINDINGS: ClassVar = [("q", "quit")]

        def compose(self) -> ComposeResult:
            yield Clock()
            yield Static("\n".join(f"Import part {index:04d}" for index in range(60)))

        def on_mount(self) -> None:
            self.set_interval(1.0, self.query_one(Clock).refresh)

    OneLiveLine(driver_class=QuietLinuxDriver).run()


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "loop":
        run_loop(args[0], int(args[1]), float(args[2]))
    elif mode == "table":
        run_table(args[0], int(args[1]), float(args[2]))
    elif mode == "startup":
        run_startup(int(args[0]))
    elif mode == "line":
        run_line()
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
