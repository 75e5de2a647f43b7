"""The lease on a watch list: which running program makes its automatic checks.

There is one lease per watch list and environment (its base URL: a dashboard on production
and one on the sandbox, sharing the default watch list, each check their own batches). One
file beside the watch list (beside a link's target, as its lock), `<name>.<8 hex digits of the
base URL's SHA-256>.lease`, holds the holder's pid, host, base URL, start and heartbeat as one
line of JSON. Holding the lease is holding an
exclusive `flock` on that file, for the process's life: the kernel lets go of it when the
process ends, however it ends, so a lease is never held by a dead process and the next
program takes it over at its next try. A holder that quits cleanly deletes the file while
still holding the lock; one that was killed leaves it, naming itself, and whoever takes the
lease next learns from it that checks may have been sent that were never saved.

The heartbeat (rewritten in place, `HEARTBEAT_INTERVAL`) tells a follower when the holder was
last heard from: a holder stopped with Ctrl-Z keeps its lock but falls silent.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from reap_tui.clock import Clock
from reap_tui.store.atomic import make_private_folder, written_path

HEARTBEAT_INTERVAL = 2.0  # seconds between a holder's heartbeats
SILENT_AFTER = 5 * HEARTBEAT_INTERVAL  # a holder not heard from for this long is silent
_RECORD_SIZE = 512  # the file's fixed length: a rewrite never leaves the tail of a longer one


class LeaseUnavailable(Exception):
    """The lease file cannot be made or locked (a read-only folder, a file system without
    locks): programs on this watch list cannot tell each other apart."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started_at: float
    heartbeat: float

    @property
    def here(self) -> bool:
        return self.host == socket.gethostname()


@dataclass(frozen=True)
class Taken:
    """The lease was taken; `after` is the holder before, if it ended without letting go."""

    after: Holder | None


def _beside(watchlist_path: Path, base_url: str, kind: str) -> Path:
    written = written_path(watchlist_path)
    digest = hashlib.sha256(base_url.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return written.with_name(f"{written.name}.{digest}.{kind}")


def lease_path(watchlist_path: Path, base_url: str) -> Path:
    return _beside(watchlist_path, base_url, "lease")


class Lease:
    def __init__(self, watchlist_path: Path, base_url: str, clock: Clock) -> None:
        self.path = lease_path(watchlist_path, base_url)
        self._base_url = base_url
        self._clock = clock
        self._fd: int | None = None
        self._started_at = clock.now()
        self._last_beat = 0.0

    def take(self) -> Taken | None:
        """Take the lease if no live program holds it; None if one does. Raises
        LeaseUnavailable if it cannot be taken for another reason."""
        if self._fd is not None:
            return Taken(None)
        try:
            make_private_folder(self.path.parent)
        except OSError as error:
            raise LeaseUnavailable(f"{self.path.parent}: {error.strerror}") from None
        for _ in range(3):
            fd = self._open()
            if not _lock(fd):
                os.close(fd)
                return None
            if self._still_the_file(fd):
                self._fd = fd
                before = _parse(os.pread(fd, _RECORD_SIZE, 0))
                self.beat(force=True)
                mine = before is not None and before.pid == os.getpid() and before.here
                return Taken(None if before is None or mine else before)
            os.close(fd)  # deleted or replaced by a holder letting go: try the new one
        return None

    def beat(self, *, force: bool = False) -> None:
        """Rewrite the heartbeat (at most every HEARTBEAT_INTERVAL unless `force`)."""
        fd = self._fd
        now = self._clock.now()
        if fd is None or (not force and now - self._last_beat < HEARTBEAT_INTERVAL):
            return
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "baseUrl": self._base_url[:300],
            "startedAt": self._started_at,
            "heartbeat": now,
        }
        data = json.dumps(record).encode()[: _RECORD_SIZE - 1]
        with contextlib.suppress(OSError):  # a full disk costs the heartbeat, not the lease
            os.pwrite(fd, data.ljust(_RECORD_SIZE - 1) + b"\n", 0)
            self._last_beat = now

    def holder(self) -> Holder | None:
        """Who holds the lease, as its file says (None: nobody, or not readable just now)."""
        try:
            with open(self.path, "rb") as stream:
                return _parse(stream.read(_RECORD_SIZE))
        except OSError:
            return None

    def held_elsewhere(self) -> bool:
        """Whether a live program (another, or this one through another lease) holds it; the
        lock is only tried, and let go of at once."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            return False  # no file: nobody holds it
        try:
            if not _lock(fd):
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def release(self) -> None:
        """Let go, saying so: the file is deleted before the lock is released."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._still_the_file(fd):
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
        finally:
            os.close(fd)

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
        except OSError as error:
            raise LeaseUnavailable(f"{self.path}: {error.strerror}") from None

    def _still_the_file(self, fd: int) -> bool:
        try:
            found = os.stat(self.path, follow_symlinks=False)
        except OSError:
            return False
        mine = os.fstat(fd)
        return (found.st_dev, found.st_ino) == (mine.st_dev, mine.st_ino)


def _lock(fd: int) -> bool:
    """Try the exclusive lock; False if another holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise LeaseUnavailable(f"cannot be locked: {error.strerror}") from None
    return True


def _parse(data: bytes) -> Holder | None:
    try:
        record = json.loads(data.decode("utf-8").strip() or "null")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    pid, host = record.get("pid"), record.get("host")
    started, heartbeat = _seconds(record.get("startedAt")), _seconds(record.get("heartbeat"))
    if type(pid) is not int or not isinstance(host, str) or started is None or heartbeat is None:
        return None
    return Holder(pid, host[:255], started, heartbeat)


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def watching_path(watchlist_path: Path, base_url: str) -> Path:
    return _beside(watchlist_path, base_url, "watching")


class WatchingMark:
    """`reap-tui watch` checking batches of the watch list itself (no dashboard holds its lease)
    holds a shared lock on `<name>.<digits>.watching` (per base URL, as the lease), and lets go
    of it only once it has stopped and saved what it saw. A dashboard that takes the lease
    waits for the mark to be free before its first check, so it starts from every check the
    watch made."""

    def __init__(self, watchlist_path: Path, base_url: str) -> None:
        self.path = watching_path(watchlist_path, base_url)
        self._fd: int | None = None

    def hold(self) -> bool:
        """Hold the shared mark (waiting for a dashboard's probe, which is brief); False if the
        mark cannot be made."""
        if self._fd is not None:
            return True
        try:
            make_private_folder(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def let_go(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def anyone(self) -> bool:
        """Whether some `watch` holds the mark (probed without waiting)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            if not _lock(fd):
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except LeaseUnavailable:
            return False
        finally:
            os.close(fd)
