"""The dashboard, `watch` and `upload` ended the ways on-call machines end them: the terminal
closed under a dashboard that did not get SIGHUP (input at end-of-file), SIGHUP and SIGTERM sent
by pid. Each saves what it holds, restores the terminal exactly, and exits 129 or 143 without a
traceback. The real programs run under a pseudo-terminal or as subprocesses, against the sandbox
over loopback; the state database and the watch list are read afterwards as the next run would.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer, ScriptedBatch
from reap_tui.store import WatchList
from reap_tui.store.statedb import StateDB, state_db_path

from .cli_support import ROOT, run_cli, user_env
from .pty_support import PATIENCE, Terminal

KEY = "sandbox-hangup-key-0123456789"
WARNINGS = ("Traceback", "Task was destroyed", "never retrieved", "ResourceWarning")
# DEC private modes Textual turns on (alternate screen, mouse tracking, focus events,
# bracketed paste) and off again at exit; the cursor (25) and line wrap (7) the other way round.
MODES_LEFT_OFF = (1049, 1000, 1003, 1015, 1006, 1004, 2004)
MODES_LEFT_ON = (25, 7)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """One batch that stays in progress for the whole test."""
    batch = ScriptedBatch(str(uuid.uuid4()), total_records=100_000, created_at=time.time(), rate=1)
    with SandboxServer(SystemClock(), api_key=KEY, batches=[batch]) as running:
        yield running


def listed(tmp_path: Path, server: SandboxServer) -> Path:
    path = tmp_path / "lists" / "watchlist.toml"
    path.parent.mkdir()
    WatchList.open(path, SystemClock()).add(
        server.batch_ids[0], environment="custom", base_url=server.base_url
    )
    return path


def leases(path: Path) -> list[Path]:
    return list(path.parent.glob(path.name + ".*.lease"))


def dashboard(tmp_path: Path, server: SandboxServer, path: Path, **options: bool) -> Terminal:
    args = ["--watchlist", str(path), "--base-url", server.base_url]
    return Terminal(args, tmp_path / "home", REAP_API_KEY=KEY, **options)


def shown_checked(terminal: Terminal, server: SandboxServer) -> None:
    """Drawn, and the first check's answer on screen ("▶", in progress)."""
    terminal.shows("Batches (1)")
    terminal.wait_for(lambda: server.request_log != [], "sent its check")
    terminal.shows("▶")


def saved_checks(path: Path, batch_id: str) -> int:
    db = StateDB.open(state_db_path(path), SystemClock(), read_only=True)
    try:
        row = db.read().get(batch_id)
    finally:
        db.close()
    assert row is not None, "no state saved"
    checks = row.record.get("checksMade")
    assert isinstance(checks, int)
    return checks


def last_setting(output: bytes, mode: int) -> str:
    found = re.findall(rb"\x1b\[\?" + str(mode).encode() + rb"([hl])", output)
    assert found, f"mode {mode} was never set"
    return found[-1].decode()


def test_a_terminal_that_goes_away_is_saved_and_left(tmp_path: Path, server: SandboxServer) -> None:
    """No SIGHUP comes (ignored, and no controlling terminal to send one): input reads
    end-of-file for ever. It used to spin its input thread at ~90% of a core and never exit."""
    path = listed(tmp_path, server)
    terminal = dashboard(tmp_path, server, path, hangup_ignored=True)
    try:
        shown_checked(terminal, server)
        checks = len(server.request_log)
        terminal.hang_up()
        code = terminal.finish()
    finally:
        terminal.close()
    assert code == 129
    assert saved_checks(path, server.batch_ids[0]) >= checks - 1  # one may have been out
    assert leases(path) == [], "the lease was let go"
    WatchList.open(path, SystemClock())


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143)])
def test_a_stop_signal_saves_and_restores_the_terminal(
    tmp_path: Path, server: SandboxServer, signum: int, code: int
) -> None:
    path = listed(tmp_path, server)
    terminal = dashboard(tmp_path, server, path, keep_tty=True)
    try:
        assert terminal.tty is not None
        modes_before = termios.tcgetattr(terminal.tty)
        shown_checked(terminal, server)
        raw_while_running = termios.tcgetattr(terminal.tty)
        checks = len(server.request_log)
        terminal.process.send_signal(signum)
        ended = terminal.finish()
        modes_after = termios.tcgetattr(terminal.tty)
        output = terminal.raw
    finally:
        terminal.close()
    assert ended == code, terminal.output[-2000:]
    assert raw_while_running != modes_before, "the dashboard had the tty in raw mode"
    assert modes_after == modes_before, "the tty's modes are as they were"
    for mode in MODES_LEFT_OFF:
        assert last_setting(output, mode) == "l", f"mode {mode} left on"
    for mode in MODES_LEFT_ON:
        assert last_setting(output, mode) == "h", f"mode {mode} left off"
    kitty = [m.group() for m in re.finditer(rb"\x1b\[[<>]\d*u", output)]
    assert kitty and kitty[-1] == b"\x1b[<u", "the keyboard protocol was popped"
    titles = [m.group() for m in re.finditer(rb"\x1b\[2[23];0t|\x1b\]2;[^\x07]*\x07", output)]
    assert len(titles) >= 3 and titles[0] == b"\x1b[22;0t", "the user's title saved first"
    assert titles[1].startswith(b"\x1b]2;reap-tui "), titles[1]
    assert titles[-1] == b"\x1b[23;0t", "the user's title given back at the end"
    text = output.decode("utf-8", "replace")
    for warning in WARNINGS:
        assert warning not in text
    assert saved_checks(path, server.batch_ids[0]) >= checks - 1
    assert leases(path) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143)])
def test_watch_saves_and_exits_on_a_stop_signal(
    tmp_path: Path, server: SandboxServer, signum: int, code: int
) -> None:
    """A batch of the watch list, no dashboard open: `watch` polls it itself, and what it saw
    is in the state database for the next dashboard."""
    path = listed(tmp_path, server)
    batch_id = server.batch_ids[0]
    command = ["watch", batch_id, "--watchlist", str(path), "--base-url", server.base_url]
    process = subprocess.Popen(
        [sys.executable, "-m", "reap_tui", *command],
        cwd=ROOT,
        env=user_env(tmp_path / "home", REAP_API_KEY=KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()  # printed once the first answer is in
    process.send_signal(signum)
    rest, errors = process.communicate(timeout=PATIENCE)
    assert process.returncode == code, errors
    assert "in progress" in first_line
    assert "Traceback" not in errors + rest
    assert saved_checks(path, batch_id) >= 1


def test_upload_stopped_by_sigterm_keeps_its_pending_upload(tmp_path: Path) -> None:
    """The upload's answer is held by the server; SIGTERM while it is out: exit 143, the
    pending upload and its bytes are kept, and `upload --resume` finishes it into one batch."""
    home = tmp_path / "home"
    csv = tmp_path / "march.csv"
    csv.write_text(
        "externalId,shareToken\n00000000-0000-4000-8000-000000000001,token-1\n", encoding="utf-8"
    )
    with SandboxServer(
        SystemClock(), api_key=KEY, upload_fault_plan=FaultPlan({1: Fault.slow(30)})
    ) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "reap_tui", "upload", str(csv), "--base-url", server.base_url],
            cwd=ROOT,
            env=user_env(home, REAP_API_KEY=KEY),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + PATIENCE
        while not server.uploads:
            assert time.monotonic() < deadline and process.poll() is None, "never sent"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        out, errors = process.communicate(timeout=PATIENCE)
        assert process.returncode == 143, errors
        assert "Traceback" not in errors
        assert "stays recorded" in errors and out == ""
        watchlist = WatchList.open(home / ".local/share/reap-tui/watchlist.toml", SystemClock())
        (pending,) = watchlist.pending_uploads
        assert list((home / ".local/share/reap-tui/uploads").iterdir()), "its bytes are kept"

        resumed = run_cli(
            home, "upload", "--resume", "--base-url", server.base_url, REAP_API_KEY=KEY
        )

        assert resumed.returncode == 0, resumed.stderr
        sent, finished = server.uploads
        assert finished.idempotency_key == sent.idempotency_key == pending.idempotency_key
        assert len(server.batch_ids) == 1, "one batch: the key was reused"
        watched = WatchList.open(home / ".local/share/reap-tui/watchlist.toml", SystemClock())
        assert watched.pending_uploads == () and watched.get(server.batch_ids[0]) is not None
