"""Quitting the dashboard (q) or interrupting it (SIGINT, as `kill -INT` or a terminal not in
raw mode sends) at every phase of a check: no asyncio task warning, no ResourceWarning, no
traceback, the documented exit code, and no temp file left beside the watch list.

The real `python -m reap_tui` runs under a pseudo-terminal with every ResourceWarning shown;
asyncio reports destroyed pending tasks and unretrieved exceptions on stderr, here the
terminal itself.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from reap_tui.store import WatchList

from .cli_support import ROOT, user_env

PHASES = ("waiting first check", "slow request", "back-off", "paused")
WARNINGS = ("Traceback", "Task was destroyed", "never retrieved", "ResourceWarning")


class Terminal:
    """A process on a pseudo-terminal, its screen output collected by a thread."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self._master = master
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self._output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self._output += chunk

    @property
    def output(self) -> str:
        return self._output.decode("utf-8", "replace")

    def type(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert self.process.poll() is None, f"exited before {what}:\n{self.output}"
            assert time.monotonic() < deadline, f"never {what}:\n{self.output}"
            time.sleep(0.02)

    def finish(self) -> int:
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        os.close(self._master)
        return code


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    batches = [
        ScriptedBatch(str(uuid.uuid4()), created_at=time.time(), faults={1: Fault.slow(60)}),
        ScriptedBatch(str(uuid.uuid4()), created_at=time.time(), faults={1: Fault.server_error()}),
    ]
    with SandboxServer(SystemClock(), api_key="sk-shutdown-0123456789", batches=batches) as running:
        yield running


def prepare(server: SandboxServer, phase: str, path: Path) -> str:
    """A watch list with one batch about to be in `phase`; its id."""
    slow, failing = server.batch_ids
    batch_id = {"slow request": slow, "back-off": failing}.get(phase, failing)
    uploaded_at = time.time() if phase == "waiting first check" else None
    watchlist = WatchList.open(path, SystemClock())
    watchlist.add(batch_id, environment="custom", base_url=server.base_url, uploaded_at=uploaded_at)
    return batch_id


def reach(terminal: Terminal, server: SandboxServer, phase: str) -> None:
    terminal.wait_for(lambda: "Batches (1)" in terminal.output, "drew the dashboard")
    if phase == "slow request":
        terminal.wait_for(lambda: server.request_log != [], "sent its check")
    elif phase == "back-off":
        # The status column says so at any width ("retry in" is in the next-check column,
        # which an 80-column terminal leaves out).
        terminal.wait_for(lambda: "retrying" in terminal.output, "showed the back-off")
    elif phase == "paused":
        terminal.wait_for(lambda: len(server.request_log) > 0, "made its first check")
        terminal.type(" ")
        terminal.wait_for(lambda: "paused" in terminal.output, "showed the pause")


@pytest.mark.parametrize("how", ["q", "SIGINT"])
@pytest.mark.parametrize("phase", PHASES)
def test_leaving_at_any_phase_is_clean(
    server: SandboxServer, tmp_path: Path, phase: str, how: str
) -> None:
    path = tmp_path / "lists" / "watchlist.toml"
    path.parent.mkdir()
    prepare(server, phase, path)
    command = [sys.executable, "-W", "always::ResourceWarning", "-m", "reap_tui"]
    command += ["--watchlist", str(path), "--base-url", server.base_url]
    env = user_env(tmp_path, REAP_API_KEY=server.api_key, TERM="xterm-256color")
    terminal = Terminal(command, env)
    try:
        reach(terminal, server, phase)
        if how == "q":
            terminal.type("q")
        else:
            terminal.process.send_signal(signal.SIGINT)
        code = terminal.finish()
    finally:
        terminal.process.kill()
    # Textual ends the app on SIGINT as on quit (0); 130 would be the CLI's "interrupted".
    assert code in ((0,) if how == "q" else (0, 130)), terminal.output
    for warning in WARNINGS:
        assert warning not in terminal.output
    # No temp file, and no -wal or -shm: the state database was closed cleanly.
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) in (
        ["watchlist.state.db", "watchlist.toml"],
        ["watchlist.state.db", "watchlist.toml", "watchlist.toml.bak"],
    )
    WatchList.open(path, SystemClock())
