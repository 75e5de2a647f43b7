"""A program run as a user runs it: in a pseudo-terminal of a given size, its screen output
drained as a terminal would, its CPU time and memory read from the kernel (Linux /proc), so
what is measured is the whole process (every thread) and nothing of the benchmark's own."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


class NeverShown(RuntimeError):
    pass


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def process_memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, resident at its highest) of `pid`."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024 / MB
    return values["VmRSS"], values["VmHWM"]


class PtyProcess:
    """`command` on a new pseudo-terminal of `size` (columns, rows)."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        size: tuple[int, int] = (160, 45),
        cwd: str | None = None,
    ) -> None:
        master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.launched_at = time.time()
        self.process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self._master: int | None = master
        self._lock = threading.Lock()
        self._tail = b""
        self._seen: dict[bytes, float] = {}
        self._wanted: set[bytes] = set()
        self.output_bytes = 0
        self._wake_read, self._wake_write = os.pipe()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _drain(self) -> None:
        """Read the screen output until the program closes its side, or `hang_up` asks this
        thread to close ours (here, not from another thread: a close while a read is blocked
        would only take effect once that read returned, not when the terminal went away)."""
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
                    chunk = os.read(master, 1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                self._took(chunk)
        finally:
            self._master = None
            os.close(master)

    def _took(self, chunk: bytes) -> None:
        now = time.time()
        with self._lock:
            self.output_bytes += len(chunk)
            window = self._tail + chunk
            for marker in self._wanted - self._seen.keys():
                if marker in window:
                    self._seen[marker] = now
            self._tail = window[-4096:]

    def wait_for(self, text: str, timeout: float = 120.0) -> float:
        """The wall-clock moment `text` first reached the terminal (waiting for it)."""
        marker = text.encode()
        with self._lock:
            self._wanted.add(marker)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if marker in self._seen:
                    return self._seen[marker]
            if self.process.poll() is not None:
                raise NeverShown(f"exited ({self.process.returncode}) before showing {text!r}")
            if time.monotonic() > deadline:
                raise NeverShown(f"did not show {text!r} within {timeout:.0f} s")
            time.sleep(0.005)

    def type(self, keys: str) -> None:
        assert self._master is not None, "the terminal was closed"
        os.write(self._master, keys.encode())

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def memory_mb(self) -> tuple[float, float]:
        return process_memory_mb(self.pid)

    def hang_up(self) -> None:
        """Close the terminal's other end, as a terminal emulator going away does."""
        os.write(self._wake_write, b"x")
        self._reader.join(timeout=5)

    def close(self, quit_keys: str = "q", grace: float = 10.0) -> None:
        """Quit as a user does, then make sure the process is gone."""
        if self.process.poll() is None and quit_keys and self._master is not None:
            self.type(quit_keys)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.hang_up()
        os.close(self._wake_read)
        os.close(self._wake_write)
