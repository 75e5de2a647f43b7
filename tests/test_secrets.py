"""A whole session with a real key, every error, screenshots and a forced internal error: the
key is then in no file under the home and temp folders, no log, no screen and no output."""

from __future__ import annotations

import logging
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reap_tui.clock import FakeClock, SystemClock
from reap_tui.commands.dashboard import demo_app
from reap_tui.engine.state import Phase
from reap_tui.logs import start_logging
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.sandbox.demo import HOSTILE_MESSAGE, demo_batches
from reap_tui.tui.app import DashboardApp

from .cli_support import run_cli
from .conftest import START
from .dashboard_support import detail_text, sandbox_dashboard
from .sandbox_support import csv_rows
from .tui_support import seeded, wait_for

KEY = "sk-secret-" + secrets.token_hex(12)
MISSING = "5f0e2b7c-9a41-4d8e-b3c6-0d7e9f1a2b3c"


def session_batches(now: float) -> dict[str, ScriptedBatch]:
    def batch(**options: Any) -> ScriptedBatch:
        return ScriptedBatch(str(uuid.uuid4()), total_records=30, created_at=now - 3600, **options)

    return {
        "completed": batch(fail_share=0.1),
        "failed": batch(outcome="failed"),
        "flaky": batch(
            fault_cycle=(Fault.empty_500(), Fault.html_502(), Fault.reset(), Fault.malformed())
        ),
        "limited": batch(faults={1: Fault.rate_limited(30, as_http_date=True)}),
        "hostile": batch(faults={1: Fault.server_error(HOSTILE_MESSAGE)}),
        "crashing": batch(),
    }


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """start_logging() configures process-wide loggers: put them back afterwards."""
    loggers = [logging.getLogger(name) for name in ("reap_tui", "httpx")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def cli_session(home: Path, base_url: str, ids: dict[str, str]) -> str:
    """Every sub-command that talks to Reap or the watch list; their stdout and stderr."""
    batch_csv = home / "batch.csv"
    batch_csv.write_bytes(csv_rows(3))
    id_file = home / "ids.txt"
    id_file.write_text(f"{ids['failed']}\nnot-an-id\n")
    target = ("--base-url", base_url)
    commands = [
        ("status", ids["completed"], *target),
        ("status", "--json", MISSING, *target),
        ("status", ids["hostile"], *target),
        ("watch", "--json", "--speed", "600", *target, *ids.values()),
        ("add", ids["completed"], "--label", "session", *target),
        ("import", str(id_file), *target),
        ("list",),
        ("list", "--json"),
        ("validate", str(batch_csv)),
        ("upload", str(batch_csv), "--label", "uploaded", *target),
        ("remove", ids["failed"]),
    ]
    output = ""
    for command in commands:
        done = run_cli(home, *command, REAP_API_KEY=KEY, TMPDIR=str(home / "tmp"))
        assert "Traceback" not in done.stderr, (command, done.stderr)
        output += done.stdout + done.stderr
    return output


def break_one_batch(monkeypatch: pytest.MonkeyPatch, batch_id: str) -> None:
    """A bug deep in the transport whose message carries the request's headers, key and all."""
    real_handle = httpx.AsyncHTTPTransport.handle_async_request

    async def handle(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> Any:
        if batch_id in str(request.url):
            raise RuntimeError(f"transport bug; request headers were {dict(request.headers)}")
        return await real_handle(self, request)

    # The transport sees the request as sent, after the client has added the key.
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle)


async def dashboard_session(app: DashboardApp, ids: dict[str, str], shots: Path) -> str:
    """Every batch selected with its raw body shown and screenshotted; a key typed in."""
    screens = ""
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_for(
            pilot,
            lambda: all(
                state.checks_made >= 2 or state.phase.is_final
                for state in app.engine.states.values()
            ),
            tries=600,
        )
        assert app.engine.states[ids["crashing"]].phase is Phase.STOPPED
        await pilot.press("b")
        for name, batch_id in ids.items():
            app.select_batch(batch_id)
            await pilot.pause(0.1)
            screens += detail_text(app) + app.export_screenshot()
            app.save_screenshot(f"{name}.svg", str(shots))
        await pilot.press("k", *KEY)
        screens += app.export_screenshot()
        app.save_screenshot("key-dialog.svg", str(shots))
        await pilot.press("enter")
        await pilot.press("q")
    return screens


async def demo_session(tmp: Path, shots: Path) -> str:
    clock = FakeClock(START, auto_advance=False)
    with SandboxServer(clock, speed=20, batches=demo_batches(START, 20)) as server:
        app = demo_app(clock, server, tmp / "demo-watchlist.toml", rng=seeded())
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine.health.requests_made >= 8, clock=clock)
            app.save_screenshot("demo.svg", str(shots))
            return app.export_screenshot()


async def test_the_key_is_nowhere_after_a_full_session(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logging_restored: None,
) -> None:
    home, shots = tmp_path / "home", tmp_path / "shots"
    for folder in (home / "tmp", shots):
        folder.mkdir(parents=True)
    monkeypatch.setenv("REAP_API_KEY", KEY)
    monkeypatch.setattr(tempfile, "tempdir", str(home / "tmp"))
    clock = SystemClock()
    batches = session_batches(clock.now())
    ids = {name: batch.batch_id for name, batch in batches.items()}
    with SandboxServer(clock, speed=600, api_key=KEY, batches=batches.values()) as server:
        output = cli_session(home, server.base_url, ids)
        log_file = home / ".local" / "state" / "reap-tui" / "log" / "dashboard.log"
        start_logging(log_file, [KEY])
        break_one_batch(monkeypatch, ids["crashing"])
        app = sandbox_dashboard(
            clock, server.base_url, KEY, ids.values(), home / "dashboard.toml", speed=600
        )
        screens = await dashboard_session(app, ids, shots)
    screens += await demo_session(home / "tmp", shots)

    captured = capsys.readouterr()
    assert "internal error (see log)" in screens
    assert "transport bug" in log_file.read_text() and "[redacted]" in log_file.read_text()
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert {"completed.svg", "key-dialog.svg", "demo.svg", "dashboard.log"} <= {
        path.name for path in written
    }
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    for text in (output, screens, captured.out, captured.err):
        assert KEY not in text
