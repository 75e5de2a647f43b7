"""Replacing a file so that a crash at any moment leaves either the old or the new content.

The new bytes go to a temporary file in the same folder (so `os.replace` is a rename on one
file system), are flushed and fsynced, then renamed over the target; the folder is fsynced
so the rename itself survives a power cut. Files are created 0600, folders 0700.

A path that is a symbolic link (a watch list kept in a synced folder or a dotfiles repository)
is written through: the temporary file goes beside the link's final target and replaces the
target, so the link stays a link and the file it names gets the new content.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path

Stamp = tuple[int, int, int, int]  # a file's device, inode, size and modification time (ns)


def file_stamp(path: Path) -> Stamp | None:
    """What tells one version of a file from another; None if there is no file to stat."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


TEMP_SUFFIX = ".tmp"


def written_path(path: Path) -> Path:
    """The file a write to `path` replaces: `path` itself, or the final target of a link."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def write_atomically(path: Path, data: bytes) -> None:
    path = written_path(path)
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def remove_stale_temp_files(path: Path) -> None:
    """Temp files left by a writer that was killed; call only while holding the file's lock."""
    path = written_path(path)
    for stale in path.parent.glob(glob.escape(temp_prefix(path)) + "*" + TEMP_SUFFIX):
        with contextlib.suppress(OSError):
            stale.unlink()
