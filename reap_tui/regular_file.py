"""Opening a file the user named, only if it is a regular file.

`open()` on a FIFO waits for a writer, and a device can be read for ever: so the path is
checked with `os.stat` first, opened with O_NONBLOCK (a FIFO swapped in after the check does
not block the open), and checked again on the open descriptor.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from reap_tui.batchfile import UnreadableFile


def open_regular_file(path: Path) -> BinaryIO:
    """The file open for binary reading; UnreadableFile (naming the path) if it cannot be
    opened or is a folder, a FIFO, a device or a socket."""
    try:
        _check(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None
    try:
        _check(path, os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a FIFO (named pipe)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a regular file"
    raise UnreadableFile(f"cannot read {os.fspath(path)}: it is {kind}, not a regular file")
