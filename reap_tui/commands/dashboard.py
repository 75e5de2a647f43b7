"""`reap-tui` (no sub-command): the dashboard on the saved watch list, or `--demo` on the
built-in sandbox. Here settings become a client, an engine factory and the app.

The sandbox and the demo are imported only for `--demo`: the dashboard on a watch list does
not pay for them before its first screen.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reap_tui.api.client import ReapClient
from reap_tui.apikey import ApiKey
from reap_tui.clock import Clock, SystemClock
from reap_tui.commands.common import UsageError
from reap_tui.commands.connect import connection_from
from reap_tui.commands.context import settings_from, watchlist_from
from reap_tui.config import Settings
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.imports import ImportRules
from reap_tui.engine.limiter import Limits
from reap_tui.engine.state import BatchState
from reap_tui.exitcodes import ExitCode
from reap_tui.logs import start_logging
from reap_tui.store import WatchList
from reap_tui.tui.app import DashboardApp, DashboardConfig, EngineFactory
from reap_tui.tui.header import NO_KEY
from reap_tui.ui_state import UiStateError, ui_state_path, with_ui_state
from reap_tui.vocabulary import Rules

if TYPE_CHECKING:
    from reap_tui.sandbox import SandboxServer
    from reap_tui.store.imports import Import

DEMO_ENVIRONMENT = "demo"


def engine_factory(
    clock: Clock, cadence: CadenceConfig, limits: Limits, rng: random.Random | None = None
) -> EngineFactory:
    def make(on_state: Callable[[BatchState], None]) -> Engine:
        return Engine(clock=clock, on_state=on_state, cadence=cadence, limits=limits, rng=rng)

    return make


def view_config(
    settings: Settings,
    environment: str,
    key: ApiKey | None,
    cadence: CadenceConfig,
    *,
    speed: float = 1.0,
    ui_state: Path | None = None,
    client_factory: Callable[[str], ReapClient] | None = None,
) -> DashboardConfig:
    """What the app shows and how, from the settings (with ui-state.toml's [ui] over them when
    `ui_state` is given: the column chooser saves there), the cadence in force and `speed` (a
    sandbox's `--speed`; the cadence is already scaled by it)."""
    problem = ""
    if ui_state is not None:
        try:
            settings = with_ui_state(settings, ui_state)
        except UiStateError as error:
            problem = str(error)
    ui = settings.ui
    return DashboardConfig(
        environment=environment,
        key_state=key.masked if key else NO_KEY,
        theme=ui.theme,
        utc=ui.timezone == "utc",
        bell=ui.bell_on_finish,
        rules=Rules(
            stall_checks=ui.stalled_after_checks,
            stall_seconds=cadence.batch_stall_after,
            failure_red=ui.failure_rate_red / 100,
            failure_amber=ui.failure_rate_amber / 100,
            window=cadence.window,
            imports=ImportRules.for_cadence(cadence, speed),
        ),
        columns=ui.columns,
        hidden_columns=ui.hidden_columns,
        ui_state_path=ui_state,
        ui_state_problem=problem,
        client_factory=client_factory,
    )


def run_dashboard(args: argparse.Namespace) -> int:
    if args.demo:
        return run_demo(args)
    clock = SystemClock()
    settings = settings_from(args)
    connection = connection_from(args, settings)
    connection.start_logging(args.log_file)
    watchlist = watchlist_from(args, clock)

    def keyless_client(base_url: str) -> ReapClient:
        """Another environment's client: this one's settings, never this one's key."""
        return ReapClient(
            base_url,
            None,
            clock=clock,
            auth_header=connection.auth_header,
            request_deadline=connection.request_deadline,
        )

    app = DashboardApp(
        clock=clock,
        client=connection.client(clock),
        engine_factory=engine_factory(clock, connection.cadence, connection.limits),
        watchlist=watchlist,
        config=view_config(
            settings,
            connection.environment,
            connection.api_key,
            connection.cadence,
            speed=args.speed or 1.0,
            ui_state=ui_state_path(settings.config_path),
            client_factory=keyless_client,
        ),
    )
    return run_app(app)


def run_app(app: DashboardApp) -> int:
    """Run until quit. The watch list is saved as each change is made; last known states that
    could not be saved at the end are said after the screen is gone (they cost no batch, so
    the exit stays 0). Ended by SIGHUP, SIGTERM or its terminal going away, it saves the same
    way and exits 129 or 143."""
    stopped_with = app.run_stoppable()
    if app.return_code:
        return ExitCode.INTERNAL_ERROR
    if app.save_error:
        with contextlib.suppress(OSError):  # the terminal may be gone
            print(f"reap-tui: {app.save_error}", file=sys.stderr)
    return ExitCode.OK if stopped_with is None else stopped_with


def demo_watchlist(
    path: Path, clock: Clock, base_url: str, *, with_import: bool = False
) -> WatchList:
    """A fresh list holding every demo batch, and one the server has never heard of; with
    `with_import`, then the demo import's batches in upload order, as the import they are."""
    from reap_tui.sandbox.demo import DEMO_MISSING_ID, demo_import_labels, demo_labels
    from reap_tui.store import Entry
    from reap_tui.store.model import Source

    watchlist = WatchList.open(path, clock)
    for batch_id, label in demo_labels().items():
        watchlist.add(batch_id, environment=DEMO_ENVIRONMENT, base_url=base_url, label=label)
    if with_import:
        now = clock.now()
        entries = [
            Entry(batch_id, now, Source.UPLOAD, DEMO_ENVIRONMENT, base_url, label)
            for batch_id, label in demo_import_labels().items()
        ]
        plan = demo_import_plan(base_url, now)
        watchlist.change_imports(lambda imports: [*imports, plan], entries)
    assert watchlist.get(DEMO_MISSING_ID) is not None
    return watchlist


def demo_import_plan(base_url: str, now: float) -> Import:
    """The demo import as `upload --import` would have saved it: a CSV split into chunks of
    5,000 rows (spreadsheet rows: the header is row 1), each with its batch."""
    from reap_tui.sandbox.demo import DEMO_IMPORT_IDS, DEMO_IMPORT_NAME, demo_import
    from reap_tui.store.imports import Import, ImportChunk, ImportSource

    rows = [batch.total_records for batch in demo_import(now)]
    chunks = []
    first = 2
    for index, (count, batch_id) in enumerate(zip(rows, DEMO_IMPORT_IDS, strict=True)):
        digest = hashlib.sha256(f"march chunk {index}".encode()).hexdigest()
        key = f"demo-march-{index + 1}"
        chunk = ImportChunk(first, first + count - 1, count, count * 120, digest, key, batch_id)
        chunks.append(chunk)
        first += count
    source = ImportSource(
        "march-customers.csv",
        hashlib.sha256(b"march-customers.csv").hexdigest(),
        sum(rows) * 120,
        sum(rows),
    )
    return Import(
        DEMO_IMPORT_NAME,
        DEMO_ENVIRONMENT,
        base_url,
        now,
        batch_ids=DEMO_IMPORT_IDS,
        source=source,
        chunks=tuple(chunks),
    )


def demo_app(
    clock: Clock,
    server: SandboxServer,
    watchlist_path: Path,
    *,
    settings: Settings | None = None,
    rng: random.Random | None = None,
    ui_state: Path | None = None,
) -> DashboardApp:
    """The dashboard on a started sandbox: its own key, its speed, no user settings needed; the
    demo import is watched too when the sandbox serves it."""
    from reap_tui.sandbox.demo import DEMO_IMPORT_IDS

    settings = settings or Settings()
    cadence = CadenceConfig().scaled(server.speed)
    key = ApiKey(server.api_key)
    return DashboardApp(
        clock=clock,
        client=ReapClient(server.base_url, key.reveal(), clock=clock),
        engine_factory=engine_factory(clock, cadence, Limits(), rng),
        watchlist=demo_watchlist(
            watchlist_path,
            clock,
            server.base_url,
            with_import=set(DEMO_IMPORT_IDS) <= set(server.batch_ids),
        ),
        config=view_config(
            settings, DEMO_ENVIRONMENT, key, cadence, speed=server.speed, ui_state=ui_state
        ),
    )


def run_demo(args: argparse.Namespace) -> int:
    from reap_tui.sandbox import SandboxServer
    from reap_tui.sandbox.demo import DEMO_SPEED, demo_batches, demo_import, demo_processor

    if args.env or args.base_url:
        raise UsageError("--demo uses the built-in sandbox; drop --env / --base-url")
    speed = args.speed if args.speed is not None else DEMO_SPEED
    if not speed > 0 or speed == float("inf"):
        raise UsageError(f"--speed must be a positive number, not {speed:g}")
    settings = settings_from(args) if args.config else Settings()
    clock = SystemClock()
    now = clock.now()
    server = SandboxServer(
        clock,
        speed=speed,
        batches=[*demo_batches(now, speed), *demo_import(now, speed)],
        processor=demo_processor(now),
    )
    with server, tempfile.TemporaryDirectory(prefix="reap-tui-demo-") as folder:
        start_logging(Path(args.log_file) if args.log_file else None, [server.api_key])
        app = demo_app(
            clock,
            server,
            Path(folder) / "watchlist.toml",
            settings=settings,
            ui_state=ui_state_path(settings.config_path),
        )
        return run_app(app)
