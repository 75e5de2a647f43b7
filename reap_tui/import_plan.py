"""A CSV of any size made into an import's plan, saved before the first request.

The file is opened once, checked against every upload rule but the two limits of one upload
(`batchfile.validate_whole`) while its SHA-256 is computed, then split (`chunking`) from the
same descriptor; the split's SHA-256 must equal the validated one, so the plan is made of the
bytes that were checked. `begin_import` then saves every chunk's exact bytes beside the watch
list (`SavedBytes`) and, last, the import with its chunks, rows and idempotency keys: from that
write on, an interrupted upload resumes from the saved bytes with the saved keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from reap_tui.batchfile import (
    Problem,
    UnreadableFile,
    ValidationReport,
    format_size,
    validate_whole,
)
from reap_tui.chunking import SplitError, SplitPlan, chunk_bytes, split_stream
from reap_tui.clock import Clock
from reap_tui.files import GIGABYTE, open_regular, too_large
from reap_tui.labels import clean_label
from reap_tui.store import WatchList
from reap_tui.store.imports import Import, ImportChunk, ImportSource, with_new
from reap_tui.store.saved_bytes import SavedBytes
from reap_tui.text import clean
from reap_tui.uploading import storable_path

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# The largest file split into an import: 200 full uploads, about 40 hours of Reap's processor.
MAX_SOURCE_BYTES = 2 * GIGABYTE


@dataclass(frozen=True)
class SourceFile:
    """A CSV read for a split upload. `plan` is None when the file breaks a rule."""

    path: Path
    report: ValidationReport
    sha256: str
    plan: SplitPlan | None

    @property
    def name(self) -> str:
        """The file name (untrusted: clean it before showing it)."""
        return self.path.name

    @property
    def description(self) -> str:
        """`march.csv (23,456 data rows, 1.9 MB)`, the name made safe to show."""
        rows = self.report.data_rows or 0
        size = format_size(self.report.size_bytes)
        return f"{clean(self.name, limit=80)} ({rows:,} data row{'' if rows == 1 else 's'}, {size})"

    @property
    def uploadable(self) -> bool:
        return self.plan is not None


class _TooLarge(Exception):
    pass


class _Digesting(io.RawIOBase):
    """Reads a binary file, hashing every byte read and refusing to read past a limit."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view)) or b""
        self.size += len(data)
        if self.size > self._limit:
            raise _TooLarge
        self.digest.update(data)
        view[: len(data)] = data
        return len(data)


def read_source(path: Path) -> SourceFile:
    """Read, check and split a CSV for an import; UnreadableFile if it cannot be read."""
    try:
        with open_regular(path) as stream:
            if os.fstat(stream.fileno()).st_size > MAX_SOURCE_BYTES:
                raise _TooLarge
            digesting = _Digesting(stream, MAX_SOURCE_BYTES)
            report = validate_whole(io.BufferedReader(digesting))
            sha256 = digesting.digest.hexdigest()
            if not report.ok:
                return SourceFile(path, report, sha256, None)
            stream.seek(0)
            try:
                plan = split_stream(stream)
            except SplitError as error:
                problem = Problem("error", str(error))
                report = dataclasses.replace(
                    report,
                    problems=(*report.problems, problem),
                    error_count=report.error_count + 1,
                )
                return SourceFile(path, report, sha256, None)
    except _TooLarge:
        refusal = too_large(path, MAX_SOURCE_BYTES, "a file split into an import")
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {refusal.strerror}") from None
    except OSError as error:
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None
    if plan.source_sha256 != sha256:
        raise UnreadableFile(
            f"cannot read {os.fspath(path)}: it changed while it was being read; try again "
            "once nothing is writing to it"
        )
    return SourceFile(path, report, sha256, plan)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file as it is now; UnreadableFile if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open_regular(path) as stream:
            while block := stream.read(1024 * 1024):
                digest.update(block)
    except OSError as error:
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None
    return digest.hexdigest()


def new_import(
    source: SourceFile, name: str, *, environment: str, base_url: str, clock: Clock
) -> Import:
    """The import `source` makes: one chunk per planned upload, each with a new key."""
    plan = source.plan
    assert plan is not None, "plan only a file that was split"
    chunks = tuple(
        ImportChunk(
            first_row=chunk.first_row,
            last_row=chunk.last_row,
            rows=chunk.data_rows,
            size_bytes=chunk.size_bytes,
            sha256=chunk.sha256,
            idempotency_key=str(uuid.uuid4()),
        )
        for chunk in plan.chunks
    )
    return Import(
        name=name,
        environment=environment,
        base_url=base_url,
        created_at=clock.now(),
        source=ImportSource(
            path=storable_path(source.path),
            sha256=source.sha256,
            size_bytes=plan.source_size,
            data_rows=plan.data_rows,
        ),
        chunks=chunks,
    )


def begin_import(watchlist: WatchList, source: SourceFile, planned: Import) -> None:
    """Save every chunk's bytes, then the import, before any request is sent.

    Raises ImportConflict (the name was taken meanwhile), SourceChanged (the file changed since
    it was read), WatchListError or OSError; then nothing is saved and nothing may be sent.
    """
    save_chunks(SavedBytes.beside(watchlist.path), source, planned)
    record_import(watchlist, planned)


def save_chunks(saved: SavedBytes, source: SourceFile, planned: Import) -> None:
    """The first half of `begin_import`, which touches no watch list (a thread may run it):
    every chunk's bytes cut from the source, checked against the plan, and saved."""
    plan = source.plan
    assert plan is not None, "begin only a file that was split"
    written: list[str] = []
    try:
        with open_regular(source.path) as stream:
            for split, chunk in zip(plan.chunks, planned.chunks, strict=True):
                saved.save(chunk.idempotency_key, chunk_bytes(stream, plan, split))
                written.append(chunk.idempotency_key)
    except BaseException:
        for key in written:
            saved.discard(key)
        raise


def record_import(watchlist: WatchList, planned: Import) -> None:
    """The second half of `begin_import`: the plan into the watch list (its chunks' bytes are
    saved already, and deleted if it cannot be recorded)."""
    try:
        watchlist.change_imports(lambda imports: with_new(imports, planned))
    except BaseException:
        saved = SavedBytes.beside(watchlist.path)
        for chunk in planned.chunks:
            saved.discard(chunk.idempotency_key)
        raise


def chunk_filename(imported: Import, number: int) -> str:
    """The file name chunk `number` is sent as: `march-2-of-5.csv` (`march.csv` if alone)."""
    source = Path(imported.source.path) if imported.source else Path(f"{imported.name}.csv")
    if len(imported.chunks) == 1:
        return source.name
    return f"{source.stem}-{number}-of-{len(imported.chunks)}.csv"


def chunk_label(imported: Import, number: int) -> str:
    """The watch-list label of chunk `number`'s batch: `March 2/5`."""
    return clean_label(imported.name, suffix=f" {number}/{len(imported.chunks)}").text
