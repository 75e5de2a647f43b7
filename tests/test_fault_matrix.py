"""Every fault of tests/fault_cases.py, end to end, through `reap-tui watch --json` (a subprocess
against a sandbox on the system clock) and through the dashboard (Pilot, sandbox on a fake clock).

For each: the program keeps running, says what happened in plain words, waits as the policy
says before the next check, and ends the way the README documents.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from reap_tui.clock import Clock, FakeClock, SystemClock
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import FaultKind, RequestRecord, SandboxServer
from reap_tui.tui.app import DashboardApp

from .cli_support import ROOT, user_env
from .conftest import START, AheadClock
from .dashboard_support import detail_text, sandbox_dashboard
from .fault_cases import BATCH_ID, CASES, FIELD_CASES, SERVER_AHEAD, FaultCase, Then, lookup
from .tui_support import wait_for

WATCH_SPEED = 120.0
# --speed does not shorten the client's 20 s read timeout: keep the window (1800 s / speed)
# longer than it when the fault is a slow answer.
SLOW_WATCH_SPEED = 60.0
KEY = "sk-matrix-test-0123456789abcdef"
WRONG_KEY = "sk-matrix-wrong-0000000000000"
STOPPED = {7: Phase.AUTH_REQUIRED, 6: Phase.NOT_FOUND}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_for(case: FaultCase, clock: Clock, speed: float) -> tuple[SandboxServer, str]:
    """The case's server, started unless it should refuse connections at first; its URL."""
    server_clock = AheadClock(clock, SERVER_AHEAD) if case.server == "ahead" else clock
    port = free_port() if case.server == "late" else 0
    server = SandboxServer(server_clock, speed=speed, api_key=KEY, batches=case.batches, port=port)
    if case.server == "late":
        return server, f"http://127.0.0.1:{port}"
    server.start()
    return server, server.base_url


def requests_for_batch(server: SandboxServer) -> list[RequestRecord]:
    return [record for record in server.request_log if record.batch_id == BATCH_ID]


def has_control_characters(text: str) -> bool:
    return any((ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) <= 0x9F for char in text)


# -- reap-tui watch --json -----------------------------------------------------------------------


def watch_speed(case: FaultCase) -> float:
    slow = any(fault.kind is FaultKind.SLOW for fault in case.faults.values())
    return SLOW_WATCH_SPEED if slow else WATCH_SPEED


def watch_command(case: FaultCase, base_url: str, home: Path) -> tuple[list[str], dict[str, str]]:
    options: list[str] = []
    if case.auth == "missing":  # the key goes out under a header Reap does not read
        config = home / "config.toml"
        config.write_text('[api]\nauth_header = "Authorization"\n')
        options = ["--config", str(config)]
    key = WRONG_KEY if case.auth == "invalid" else KEY
    command = [sys.executable, "-m", "reap_tui", "watch", "--json", *options]
    command += ["--speed", f"{watch_speed(case):g}", "--base-url", base_url, BATCH_ID]
    return command, user_env(home, REAP_API_KEY=key)


@dataclass(frozen=True)
class WatchRun:
    returncode: int
    output: str
    stderr: str
    requests: list[RequestRecord]  # the server's log of this batch's requests


def run_watch(case: FaultCase, home: Path) -> WatchRun:
    server, base_url = sandbox_for(case, SystemClock(), watch_speed(case))
    command, env = watch_command(case, base_url, home)
    try:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        first_line = process.stdout.readline()
        if case.server == "late":
            server.start()
        rest, stderr = process.communicate(timeout=90)
    finally:
        process.kill()
        server.stop()
    return WatchRun(process.returncode, first_line + rest, stderr, requests_for_batch(server))


@pytest.fixture(scope="module")
def watch_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[WatchRun]]]:
    """Every selected case's run, started together: most of each is waiting (back-offs,
    Retry-After, the read timeout), which overlaps."""
    cases = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_watch_json"
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        yield {
            case.name: pool.submit(run_watch, case, tmp_path_factory.mktemp("watch"))
            for case in cases
        }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_watch_json(case: FaultCase, watch_runs: dict[str, Future[WatchRun]]) -> None:
    run = watch_runs[case.name].result()
    assert (run.returncode, run.stderr) == (case.exit_code, "")
    assert not has_control_characters(run.output)
    events = [json.loads(line) for line in run.output.splitlines()]
    assert {event["batchId"] for event in events} == {BATCH_ID}
    for path, value in case.shows.items():
        assert lookup(events[0], path) == value, path
    assert events[-1]["event"] == "done"

    requests = run.requests
    if case.then in (Then.STOP, Then.DONE):
        assert len(requests) == 1
        return
    assert events[-1]["phase"] == "completed"
    if case.server == "late":  # the server never saw the refused attempt: the client says when
        faulted_at = datetime.fromisoformat(events[0]["checkedAt"]).timestamp()
    else:
        faulted_at = requests[0].at
        requests = requests[1:]
    assert requests[0].at - faulted_at >= case.min_gap(watch_speed(case)) - 1e-3


# -- the dashboard -------------------------------------------------------------------------------


def shown_state(app: DashboardApp) -> BatchState:
    return app.engine.states[BATCH_ID]


async def leave_an_hour(pilot: Pilot[None], clock: FakeClock) -> None:
    for _ in range(4):
        clock.advance(900)
        await pilot.pause(0.02)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_dashboard(case: FaultCase, tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    server, base_url = sandbox_for(case, clock, speed=1)
    key = {"missing": None, "invalid": WRONG_KEY, "ok": KEY}[case.auth]
    app = sandbox_dashboard(clock, base_url, key, [BATCH_ID], tmp_path / "w.toml")
    try:
        # Without a key nothing is sent: the batch needs a key at once, from a local answer.
        checks = 0 if key is None else 1
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    shown_state(app).checks_made == checks
                    and not shown_state(app).checking
                    and shown_state(app).phase is not Phase.WAITING_FIRST_CHECK
                ),
                clock=clock,
                step=0.05,
            )
            if case.server == "late":
                server.start()
            await wait_for(pilot, lambda: all(p in detail_text(app) for p in case.sees))
            assert "\x1b" not in app.export_screenshot()

            if case.then in (Then.STOP, Then.DONE):
                await leave_an_hour(pilot, clock)
                final = STOPPED.get(case.exit_code, Phase.COMPLETED)
                assert shown_state(app).phase is final
                assert len(requests_for_batch(server)) == checks
                assert all(p in detail_text(app) for p in case.sees)
                if case.after_refresh:
                    await pilot.press("r")
                    await wait_for(
                        pilot, lambda: all(p in detail_text(app) for p in case.after_refresh)
                    )
            else:
                await wait_for(
                    pilot, lambda: shown_state(app).phase is Phase.COMPLETED, clock=clock, step=5
                )
                first, second = shown_state(app).recent_checks[:2]
                assert second.at - first.at >= case.min_gap(1)
            assert app.is_running
            await pilot.press("q")
        assert app.return_code in (None, 0)
    finally:
        server.stop()


def test_the_readme_table_has_a_row_for_every_fault() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    generic = "`<field> missing`, `<field> wrong type`, for every documented field"
    assert generic in section
    for case in CASES:
        if case in FIELD_CASES and case.then is Then.BACKOFF:
            continue  # the generic row
        assert f"`{case.name}`" in section, case.name
