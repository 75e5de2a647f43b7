"""Opening the files the program reads and the logs it appends to, safely whatever the path is.

Only regular files are read: a named pipe would block `open()` until a writer came, a device
such as /dev/zero never ends, a directory is not a file. The type is checked before opening
(so a tape or terminal is never opened at all), and again on the open descriptor, which is
opened non-blocking so that a path swapped for a FIFO in between cannot hang the program.
Every read stops one byte past a limit, so a file that is too large (or still growing) is
refused without being held in memory.

The failures are OSErrors whose `strerror` is a sentence for the user: every caller that
already reports an unreadable file reports these the same way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

MEGABYTE = 1024 * 1024
GIGABYTE = 1024 * MEGABYTE
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class NotARegularFile(OSError):
    """The path is a directory, a named pipe, a device or a socket."""


class FileTooLarge(OSError):
    """The file is over the limit for its kind."""


class LinkRefused(OSError):
    """The path is a symbolic link where the program will not follow one."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words: `a named pipe (FIFO)`."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _require_regular(path: str | os.PathLike[str], mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
    raise NotARegularFile(code, f"it is {kind_of(mode)}, not a regular file", os.fspath(path))


def open_regular(path: str | os.PathLike[str], *, follow_links: bool = True) -> BinaryIO:
    """Open a regular file for reading in binary; NotARegularFile, at once, for anything else.

    A symbolic link to a regular file is followed (reading through a link changes nothing),
    unless `follow_links` is False (a file of the program's own private folder): LinkRefused.
    """
    if follow_links:
        _require_regular(path, os.stat(path).st_mode)
    else:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            raise _link_refused(path, errno.ELOOP)
        _require_regular(path, mode)
    fd = os.open(path, _READ_FLAGS | _NONBLOCK | (0 if follow_links else _NOFOLLOW))
    try:
        _require_regular(path, os.fstat(fd).st_mode)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(
    path: str | os.PathLike[str], limit: int, what: str, *, follow_links: bool = True
) -> bytes:
    """The whole of a regular file of at most `limit` bytes; `what` names it in the error
    ("an ids file"). FileTooLarge is raised before reading when the size already says so,
    else as soon as the read passes the limit. `follow_links` as for `open_regular`."""
    with open_regular(path, follow_links=follow_links) as stream:
        size = os.fstat(stream.fileno()).st_size
        data = b"" if size > limit else stream.read(limit + 1)
    if size > limit or len(data) > limit:
        raise too_large(path, limit, what)
    return data


def too_large(path: str | os.PathLike[str], limit: int, what: str) -> FileTooLarge:
    """The error for a file over `limit` bytes, for a caller that reads it in its own way."""
    return FileTooLarge(
        errno.EFBIG,
        f"it is larger than {describe_limit(limit)}, the limit for {what}",
        os.fspath(path),
    )


def _link_refused(path: str | os.PathLike[str], code: int | None) -> LinkRefused:
    return LinkRefused(code, "it is a symbolic link, which is not followed", os.fspath(path))


def describe_limit(limit: int) -> str:
    if limit % GIGABYTE == 0:
        return f"{limit // GIGABYTE} GB"
    if limit % MEGABYTE == 0:
        return f"{limit // MEGABYTE} MB"
    return f"{limit:,} bytes"


def open_for_append(path: Path) -> tuple[int, bool]:
    """A descriptor appending to `path`, and whether this call created the file (0600).

    A symbolic link at `path` is refused (LinkRefused), never followed: an existing file is
    appended to as it is, and its permissions are the owner's business. Anything but a regular
    file is refused (a FIFO without a reader would block the open).
    """
    flags = os.O_WRONLY | os.O_APPEND | _NOFOLLOW | _NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    created = True
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        created = False
        try:
            fd = os.open(path, flags)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.EMLINK) or path.is_symlink():
                raise _link_refused(path, error.errno) from None
            if error.errno == errno.ENXIO:  # a FIFO with no reader
                raise NotARegularFile(
                    error.errno, "it is a named pipe (FIFO), not a regular file", str(path)
                ) from None
            raise
    try:
        _require_regular(path, os.fstat(fd).st_mode)
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise
    return fd, created
