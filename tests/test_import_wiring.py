"""Imports from the watch list reach the engine, against the sandbox's model of Reap's processor
on a fake clock: in the dashboard (at start-up, and for a batch added later) its waiting batches
get the slow rate, as the sandbox's request log shows; followed headless, a 20-batch import is
never timed out while it works and no batch is checked twice within 30 s; and the import's
numbers call it stalled exactly when the engine does. `watch ID...` finds the batches' import
in the watch list too."""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import uuid
from pathlib import Path

from reap_tui.api.client import CheckResult, ReapClient
from reap_tui.clock import FakeClock
from reap_tui.commands.dashboard import engine_factory
from reap_tui.commands.import_commands import import_places
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.import_book import ImportActivity, memberships
from reap_tui.engine.imports import ImportRules, import_numbers
from reap_tui.engine.limiter import Limits
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState, Phase
from reap_tui.exitcodes import ExitCode
from reap_tui.headless import watch
from reap_tui.import_watch import find_import, watch_import
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.processor import ProcessorConfig, QueuedBatch
from reap_tui.store import WatchList
from reap_tui.store.imports import Import, with_members
from reap_tui.tui.app import DashboardApp, DashboardConfig

from .conftest import START
from .test_engine_window import assert_checks_30_s_apart
from .tui_support import seeded, wait_for

KEY = "sk-import-wiring-0123456789"
CADENCE = CadenceConfig()


class CountingClient(ReapClient):
    """Says how many status requests are out, so the fake clock holds still while one is."""

    in_flight = 0

    async def get_batch_status(self, batch_id: str) -> CheckResult:
        self.in_flight += 1
        try:
            return await super().get_batch_status(batch_id)
        finally:
            self.in_flight -= 1


def ids(prefix: str, count: int) -> list[str]:
    return [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}-{n}")) for n in range(count)]


def queued(batch_ids: list[str], rows: int = 5_000) -> list[QueuedBatch]:
    return [QueuedBatch(batch_id, rows, START) for batch_id in batch_ids]


def grouped(
    path: Path, clock: FakeClock, base_url: str, name: str, batch_ids: list[str]
) -> WatchList:
    watchlist = WatchList.open(path, clock)
    for batch_id in batch_ids:
        watchlist.add(batch_id, environment="sandbox", base_url=base_url)
    watchlist.change_imports(
        lambda imports: with_members(
            imports, name, batch_ids, environment="sandbox", base_url=base_url, created_at=START
        )
    )
    return watchlist


def requests_of(server: SandboxServer, batch_id: str) -> list[float]:
    return [r.at for r in server.request_log if r.batch_id == batch_id]


async def test_the_dashboard_checks_an_imports_waiting_batches_at_the_slow_rate(
    tmp_path: Path,
) -> None:
    """One batch at a time (a processor that runs one), picked up every 10 minutes: the first
    starts 10 minutes in; from then the second is next in line (checked every 30-60 s), and the
    others wait behind it (every 5 minutes) until the first is done, 12 minutes later."""
    clock = FakeClock(START, auto_advance=False)
    batch_ids = ids("slow", 6)
    processor = ProcessorConfig(pickup_origin=START, max_in_progress=1)
    with SandboxServer(
        clock, api_key=KEY, batches=queued(batch_ids), processor=processor
    ) as server:
        client = ReapClient(server.base_url, KEY, clock=clock, connect_retries=0)
        watchlist = grouped(tmp_path / "w.toml", clock, client.base_url, "March", batch_ids[:5])
        app = DashboardApp(
            clock=clock,
            client=client,
            engine_factory=engine_factory(clock, CADENCE, Limits(), seeded()),
            watchlist=watchlist,
            config=DashboardConfig(environment="sandbox", utc=True),
        )
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: len(server.request_log) >= 5, clock=clock)
            # A sixth batch joins the import later (as a split upload's next chunk does).
            watchlist.change_imports(
                lambda imports: with_members(
                    imports,
                    "March",
                    batch_ids[5:],
                    environment="sandbox",
                    base_url=client.base_url,
                    created_at=START,
                ),
                [],
            )
            watchlist.add(batch_ids[5], environment="sandbox", base_url=client.base_url)
            app._show_new_batch(batch_ids[5], "")
            assert app.engine.imports["March"].batch_ids == tuple(batch_ids)
            assert app.table.row_keys[:7] == ("import:March", *batch_ids)
            await wait_for(
                pilot,
                lambda: clock.now() >= START + 1_300,
                clock=clock,
                step=5.0,
                tries=400,
            )
        first_seen_started = START + 600 + CADENCE.interval_max
        first_done = START + 600 + 5_000 / 7  # alone at 7 records/s
        next_in_line = requests_of(server, batch_ids[1])
        gaps = [
            b - a
            for a, b in itertools.pairwise(next_in_line)
            if first_seen_started < a and b < first_done
        ]
        assert len(gaps) >= 5 and max(gaps) <= CADENCE.interval_max + 5.0 + 1e-6
        for batch_id in batch_ids[2:]:
            times = [t for t in requests_of(server, batch_id) if t < first_done]
            assert len(times) >= 2, batch_id
            slow = [b - a for a, b in itertools.pairwise(times)]
            assert min(slow) >= CADENCE.pending_interval - 1e-6, (batch_id, slow)


async def test_a_twenty_batch_import_is_followed_to_the_end_headless(tmp_path: Path) -> None:
    """Reap's processor as modelled (four at a time sharing 7 records/s, a pickup every 10
    minutes): about four hours, most batches pending behind the others for most of it."""
    clock = FakeClock(START)
    batch_ids = ids("twenty", 20)
    processor = ProcessorConfig(pickup_origin=START)
    with SandboxServer(
        clock, api_key=KEY, batches=queued(batch_ids), processor=processor
    ) as server:
        client = CountingClient(server.base_url, KEY, clock=clock, connect_retries=0)
        watchlist = grouped(tmp_path / "w.toml", clock, client.base_url, "March", batch_ids)
        target = find_import(watchlist, "March", client.base_url, ImportRules())
        clock.is_idle = lambda: client.in_flight == 0
        out = io.StringIO()
        code = await asyncio.wait_for(
            watch_import(
                target,
                client,
                clock=clock,
                cadence=CADENCE,
                limits=Limits(),
                as_json=False,
                out=out,
            ),
            timeout=300,
        )
        await client.aclose()
        finished = max(server.queued_state(b).completed_at or 0.0 for b in batch_ids)
    assert code is ExitCode.OK
    assert finished - START > 3.5 * 3600
    lines = out.getvalue().splitlines()
    assert "timed out" not in out.getvalue()
    assert lines[-1].split("  ")[1:3] == ["import 'March'", "finished"]
    for batch_id in batch_ids:
        assert_checks_30_s_apart(requests_of(server, batch_id))
    requests = len(server.request_log)
    every_45_s = sum((server.queued_state(b).completed_at or START) - START for b in batch_ids) / 45
    assert requests < 0.5 * every_45_s


async def test_the_import_numbers_call_it_stalled_when_the_engine_does() -> None:
    """The first batch stops at 40%; the two behind it never start. At every state the engine
    publishes, and at each flip of its stall flag, the numbers agree with the engine."""
    clock = FakeClock(START)
    batch_ids = ids("stuck", 3)
    batches = [
        QueuedBatch(batch_ids[0], 2_000, START, stall_at=0.4),
        *queued(batch_ids[1:], 1_000),
    ]
    processor = ProcessorConfig(pickup_origin=START, max_in_progress=1)
    rules = ImportRules.for_cadence(CADENCE)
    disagreements: list[str] = []
    flips: list[ImportActivity] = []
    with SandboxServer(clock, api_key=KEY, batches=batches, processor=processor) as server:
        client = ReapClient(server.base_url, KEY, clock=clock, connect_retries=0)
        imported = Import("April", "sandbox", client.base_url, START, tuple(batch_ids))
        places = memberships([imported], client.base_url)

        def compare(_: object = None) -> None:
            states = engine.states
            if len(states) < len(batch_ids):
                return
            ordered: list[BatchState] = [states[b] for b in batch_ids]
            numbers = import_numbers(ordered, clock.now(), rules)
            activity = engine.imports["April"]
            if (numbers.stalled, numbers.last_progress_at) != (
                activity.stalled,
                activity.last_progress_at,
            ):
                disagreements.append(f"{clock.now() - START:.0f}: {numbers.stalled} {activity}")

        def flipped(activity: ImportActivity) -> None:
            flips.append(activity)
            compare()

        engine = Engine(clock=clock, on_state=compare, cadence=CADENCE, on_import=flipped)
        clock.is_idle = lambda: engine.limiter.in_flight == 0
        for batch_id in batch_ids:
            engine.watch(WatchTarget(batch_id, client, in_import=places[batch_id]))
        while clock.now() < START + 3 * 3600:
            await asyncio.sleep(0.001)
        # Stalled, nothing was given up on: the batches go on at the slow rate.
        assert {state.phase for state in engine.states.values()} == {Phase.POLLING}
        await engine.aclose()
        await client.aclose()
    assert [flip.stalled for flip in flips] == [True]
    assert disagreements == []


async def test_watch_by_id_finds_each_batchs_import_in_the_watch_list(tmp_path: Path) -> None:
    """`watch ID...` of batches the watch list groups into an import: the ones waiting behind
    the others are checked every 5 minutes, as in the dashboard."""
    clock = FakeClock(START)
    batch_ids = ids("by-id", 4)
    processor = ProcessorConfig(pickup_origin=START, max_in_progress=1)
    batches = queued(batch_ids, 1_000)
    with SandboxServer(clock, api_key=KEY, batches=batches, processor=processor) as server:
        client = CountingClient(server.base_url, KEY, clock=clock, connect_retries=0)
        grouped(tmp_path / "w.toml", clock, client.base_url, "May", batch_ids)
        args = argparse.Namespace(watchlist=str(tmp_path / "w.toml"), reset_watchlist=False)
        places = import_places(args, clock, client.base_url)
        clock.is_idle = lambda: client.in_flight == 0
        code = await asyncio.wait_for(
            watch(
                batch_ids,
                client,
                clock=clock,
                cadence=CADENCE,
                limits=Limits(),
                as_json=True,
                places=places,
            ),
            timeout=120,
        )
        await client.aclose()
    assert code is ExitCode.OK
    assert [places[b].position for b in batch_ids] == [0, 1, 2, 3]
    first_done = START + 600 + 1_000 / 7
    for batch_id in batch_ids[2:]:
        times = [t for t in requests_of(server, batch_id) if t < first_done]
        assert len(times) >= 2
        assert min(b - a for a, b in itertools.pairwise(times)) >= CADENCE.pending_interval - 1e-6
