"""A watch list as earlier versions wrote it (snapshots inside) moves its states to the state
database on the dashboard's first start, losing nothing; a database that is missing, bad or
cannot be written costs no batch, in the dashboard or in `list`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from reap_tui.clock import FakeClock
from reap_tui.engine.state import Phase
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path
from reap_tui.tui.app import DashboardApp

from .cli_support import run_cli
from .conftest import START
from .dashboard_support import sandbox_dashboard
from .tui_support import wait_for

# Written by the previous version's WatchList.update_snapshot/close, unedited.
FIXTURE = Path(__file__).parent / "data" / "watchlist_with_snapshots.toml"
FIXTURE_URL = "http://127.0.0.1:8765"
DONE, RUNNING, MISSING, PAUSED, LIVE, FRESH = (
    f"{digit * 8}-{digit * 4}-4{digit * 3}-8{digit * 3}-{digit * 12}" for digit in "123456"
)
HERE = [DONE, RUNNING, MISSING, PAUSED, FRESH]  # LIVE is production's
FIELDS = ("phase", "status", "totalRecords", "processedRecords", "failedRecords")
FIELDS += ("successfulRecords", "createdAt", "updatedAt", "startedAt", "completedAt", "checkedAt")


def old_watchlist(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "data" / "watchlist.toml"
    path.parent.mkdir(mode=0o700)
    path.write_text(FIXTURE.read_text().replace(FIXTURE_URL, base_url))
    return path


def listed(home: Path, listing: Path) -> tuple[dict[str, Any], str]:
    """`reap-tui list --json`: batch id -> its lastKnown (as the documented fields), stderr."""
    result = run_cli(home, "list", "--json", "--watchlist", str(listing))
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["entries"]
    return {
        entry["batchId"]: entry["lastKnown"] and {key: entry["lastKnown"][key] for key in FIELDS}
        for entry in entries
    }, result.stderr


def running_server(clock: FakeClock) -> SandboxServer:
    running = ScriptedBatch(
        RUNNING, total_records=5000, created_at=START - 900, rate=2, faults={1: Fault.slow(3)}
    )
    return SandboxServer(clock, batches=[running])


def dashboard(clock: FakeClock, server: SandboxServer, listing: Path) -> DashboardApp:
    return sandbox_dashboard(clock, server.base_url, server.api_key, [], listing)


def warnings(app: DashboardApp) -> str:
    return "\n".join(n.message for n in app._notifications if n.title == "Last known states")


async def test_an_old_watch_list_moves_its_states_to_the_database_and_loses_nothing(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START - 40, auto_advance=False)  # RUNNING was checked 10 s ago
    with running_server(clock) as server:
        listing = old_watchlist(tmp_path, server.base_url)
        old = listing.read_bytes()
        entries_before = WatchList.open(listing, clock).entries
        pending_before = WatchList.open(listing, clock).pending_uploads
        before, _ = listed(tmp_path, listing)
        assert all(before[batch_id] for batch_id in (DONE, RUNNING, MISSING, PAUSED, LIVE))

        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            states = dict(app.engine.states)
        asked = {record.batch_id for record in server.request_log}
        assert asked <= {FRESH}, "shown from the saved states; only the new batch is asked"

        assert sorted(states) == sorted(HERE)
        assert (states[DONE].phase, states[MISSING].phase) == (Phase.COMPLETED, Phase.NOT_FOUND)
        assert (states[PAUSED].phase, states[RUNNING].phase) == (
            Phase.PAUSED,
            Phase.WAITING_FIRST_CHECK,
        )
        done, running = states[DONE].status, states[RUNNING].status
        assert done is not None and (done.processed_records, done.failed_records) == (19, 2)
        assert running is not None and running.processed_records == 1234
        assert states[FRESH].status is None

        watchlist = WatchList.open(listing, clock)
        assert listing.with_name("watchlist.toml.bak").read_bytes() == old
        assert "snapshot" not in listing.read_text()
        assert [(e.batch_id, e.label, e.environment, e.base_url) for e in watchlist.entries] == [
            (e.batch_id, e.label, e.environment, e.base_url) for e in entries_before
        ]
        assert all(entry.snapshot is None for entry in watchlist.entries)
        assert watchlist.pending_uploads == pending_before
        after, stderr = listed(tmp_path, listing)
        assert stderr == ""
        for batch_id in (DONE, RUNNING, MISSING, PAUSED, LIVE):
            assert after[batch_id] == before[batch_id]
        rows = StateDB.open(state_db_path(listing), clock, read_only=True).read()
        assert rows[LIVE].base_url == "https://compliance.api.reap.global"

        migrated = listing.read_bytes()
        clock.advance(30)
        again = dashboard(clock, server, listing)
        async with again.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: again.engine.states[RUNNING].checks_made == 1)
            assert again.engine.states[DONE].status == done
        assert listing.read_bytes() == migrated, "checks never write the watch list"
        assert listing.with_name("watchlist.toml.bak").read_bytes() == old
        checked, _ = listed(tmp_path, listing)
        assert checked[RUNNING]["checkedAt"] != before[RUNNING]["checkedAt"]
        for batch_id in (DONE, MISSING, PAUSED, LIVE):
            assert checked[batch_id] == before[batch_id]


async def test_when_the_database_cannot_be_written_the_old_watch_list_stays_as_it_was(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START - 40, auto_advance=False)
    with running_server(clock) as server:
        listing = old_watchlist(tmp_path, server.base_url)
        old = listing.read_bytes()
        state_db_path(listing).mkdir()  # nothing can be created there
        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            states = dict(app.engine.states)
            told = warnings(app)
        assert listing.read_bytes() == old
        assert not listing.with_name("watchlist.toml.bak").exists()
    assert sorted(states) == sorted(HERE)
    assert states[DONE].phase is Phase.COMPLETED, "shown from the watch list's snapshots"
    assert "cannot be used" in told and str(state_db_path(listing)) in told
    assert len([n for n in app._notifications if n.title == "Last known states"]) == 1
    assert app.save_error, "said again after the screen is gone"


async def test_when_the_watch_list_cannot_be_rewritten_the_move_is_tried_again(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START - 40, auto_advance=False)
    with running_server(clock) as server:
        listing = old_watchlist(tmp_path, server.base_url)
        old = listing.read_bytes()
        backup = listing.with_name("watchlist.toml.bak")
        backup.mkdir()  # the old file cannot be kept: the watch list is not rewritten
        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            told = warnings(app)
            assert app.engine.states[DONE].phase is Phase.COMPLETED
        assert listing.read_bytes() == old
        assert "could not be rewritten" in told and "Nothing is lost" in told

        backup.rmdir()
        again = dashboard(clock, server, listing)
        async with again.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            assert again.engine.states[DONE].phase is Phase.COMPLETED
            assert warnings(again) == ""
        assert backup.read_bytes() == old
        assert "snapshot" not in listing.read_text()


async def test_a_corrupt_database_costs_no_batch_in_the_dashboard_or_in_list(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START - 40, auto_advance=False)
    with running_server(clock) as server:
        listing = old_watchlist(tmp_path, server.base_url)
        async with dashboard(clock, server, listing).run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)  # moved: the states are in the database now
        database = state_db_path(listing)
        database.write_bytes(b"\x00garbage" * 512)
        for side in ("-wal", "-shm"):
            database.with_name(database.name + side).unlink(missing_ok=True)

        shown, stderr = listed(tmp_path, listing)
        assert sorted(shown) == sorted([*HERE, LIVE]) and not any(shown.values())
        assert "cannot be read" in stderr and str(database) in stderr
        assert database.read_bytes() == b"\x00garbage" * 512, "list only reads"
        text = run_cli(tmp_path, "list", "--watchlist", str(listing))
        assert text.returncode == 0 and text.stdout.count("not checked yet") == 6

        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            assert sorted(app.engine.states) == sorted(HERE)
            told = warnings(app)
        [aside] = database.parent.glob("watchlist.state.db.corrupt-*")
        assert aside.read_bytes() == b"\x00garbage" * 512
        assert str(aside) in told and "every batch is still watched" in told
        assert [e.batch_id for e in WatchList.open(listing, clock).entries] == [
            DONE,
            RUNNING,
            MISSING,
            PAUSED,
            LIVE,
            FRESH,
        ]
        assert not app.save_error


async def test_a_missing_database_is_made_again_and_list_says_not_checked_yet(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START - 40, auto_advance=False)
    with running_server(clock) as server:
        listing = old_watchlist(tmp_path, server.base_url)
        async with dashboard(clock, server, listing).run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
        for file in listing.parent.glob("watchlist.state.db*"):
            file.unlink()
        shown, stderr = listed(tmp_path, listing)
        assert not any(shown.values()) and stderr == ""
        app = dashboard(clock, server, listing)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            assert sorted(app.engine.states) == sorted(HERE)
            assert warnings(app) == ""
        assert state_db_path(listing).exists()
    shutil.rmtree(listing.parent)
