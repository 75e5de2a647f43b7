"""The real dashboard (real engine, real client) on a watch list of chosen batches of a sandbox,
and the text a reader sees in its detail pane. Shared by the fault matrix, secrets and shutdown
tests."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from reap_tui.api.client import ReapClient, Timeouts
from reap_tui.apikey import ApiKey
from reap_tui.clock import Clock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.header import NO_KEY
from reap_tui.tui.line_body import LineBody

from .tui_support import seeded


def sandbox_dashboard(
    clock: Clock,
    base_url: str,
    key: str | None,
    batch_ids: Iterable[str],
    watchlist_path: Path,
    *,
    speed: float = 1.0,
    read_timeout: float = 0.5,
) -> DashboardApp:
    """The dashboard watching `batch_ids` (added by hand) at `base_url` with `key`."""
    client = ReapClient(
        base_url, key, clock=clock, timeouts=Timeouts(read=read_timeout), connect_retries=0
    )
    watchlist = WatchList.open(watchlist_path, clock)
    for batch_id in batch_ids:
        watchlist.add(batch_id, environment="sandbox", base_url=client.base_url)
    return DashboardApp(
        clock=clock,
        client=client,
        engine_factory=engine_factory(clock, CadenceConfig().scaled(speed), Limits(), seeded()),
        watchlist=watchlist,
        config=DashboardConfig(
            environment="sandbox", key_state=ApiKey(key).masked if key else NO_KEY, utc=True
        ),
    )


def detail_text(app: DashboardApp) -> str:
    """The detail pane as plain text, wide enough that no phrase is wrapped, with each run of
    spaces (column padding) read as one."""
    console = Console(width=240, record=True, file=io.StringIO())
    console.print(app.query_one("#detail-body", LineBody).content)
    return "\n".join(" ".join(line.split()) for line in console.export_text().splitlines())
