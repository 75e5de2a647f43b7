"""The real dashboard (or any `reap-tui` command) on a pseudo-terminal, as a user runs it: its
screen output collected as bytes by a thread, keys typed into the terminal, signals sent to its
pid, and the terminal itself closed as a dropped SSH session or a killed tmux pane closes it."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .cli_support import ROOT, user_env

PATIENCE = 60.0  # seconds before a wait gives up: only stops a broken run from hanging


class Terminal:
    """`python -m reap_tui ARGS` on a new pseudo-terminal, in a session of its own (so no
    signal reaches it but those sent to its pid). `hangup_ignored`: started with SIGHUP
    ignored, as under `nohup` or a wrapper that does not pass it on. `keep_tty`: the test keeps
    the terminal's own side open too, to read its modes after the program has gone."""

    def __init__(
        self,
        args: list[str],
        home: Path,
        *,
        hangup_ignored: bool = False,
        keep_tty: bool = False,
        **env: str,
    ) -> None:
        master, tty = pty.openpty()
        self.tty: int | None = tty if keep_tty else None
        command = [sys.executable, "-W", "always::ResourceWarning", "-m", "reap_tui", *args]
        environment = user_env(home, TERM="xterm-256color", **env)
        previous = signal.signal(signal.SIGHUP, signal.SIG_IGN) if hangup_ignored else None
        try:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdin=tty,
                stdout=tty,
                stderr=tty,
                close_fds=True,
                start_new_session=True,
            )
        finally:
            if previous is not None:
                signal.signal(signal.SIGHUP, previous)
        if not keep_tty:
            os.close(tty)
        self._master: int | None = master
        self._output = bytearray()
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        """Collect the output until the program closes its side, or `hang_up` asks this thread
        to close ours (a close from another thread while a read is blocked would only take
        effect once that read returned)."""
        master = self._master
        assert master is not None
        watch = select.poll()
        watch.register(master, select.POLLIN)
        watch.register(self._wake_read, select.POLLIN)
        try:
            while True:
                ready = dict(watch.poll())
                if self._wake_read in ready:
                    return
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self._output += chunk
        finally:
            self._master = None
            os.close(master)

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    @property
    def output(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def type(self, keys: str) -> None:
        assert self._master is not None
        os.write(self._master, keys.encode())

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            assert self.process.poll() is None, f"exited before {what}:\n{self.output[-3000:]}"
            assert time.monotonic() < deadline, f"never {what}:\n{self.output[-3000:]}"
            time.sleep(0.02)

    def shows(self, text: str) -> None:
        self.wait_for(lambda: text in self.output, f"showed {text!r}")

    def hang_up(self) -> None:
        """Close the terminal's other end, as the terminal emulator going away does."""
        os.write(self._wake_write, b"x")
        self._reader.join(timeout=5)

    def finish(self) -> int:
        """Wait for the program to end; its exit code (-N: killed by signal N)."""
        code = self.process.wait(timeout=PATIENCE)
        self._reader.join(timeout=5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=PATIENCE)
        self.hang_up()
        if self.tty is not None:
            os.close(self.tty)
            self.tty = None
        os.close(self._wake_read)
        os.close(self._wake_write)
