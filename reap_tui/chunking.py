"""Splitting an upload CSV of any size into chunks Reap accepts, in one streaming pass.

A row is a CSV record exactly as `batchfile` reads one: the file is read in binary one physical
line at a time, each line decoded on its own (a leading UTF-8 BOM dropped, an invalid byte
replaced), and `csv.reader(strict=True)` joins the lines of a quoted cell that holds newlines.
A blank line is not a row; blank lines are left out of the chunks.

Each chunk is the source's BOM if it has one, then its header row, then its data rows, all
copied byte for byte (CRLF or LF as in the source; the last row without a newline if the
source's has none). The BOM is repeated rather than kept in the first chunk alone so that every
chunk is read exactly as the source is: a reader that needs the BOM to take the file as UTF-8
gets it in every chunk, and one that strips it (the validator does) sees the same header in
every chunk. So a file within the limits and without blank lines is one chunk equal to it.

Chunks are filled in order, each up to `max_rows` data rows and `max_bytes` bytes (its header
included); a row never crosses a chunk. Rows are numbered as a spreadsheet shows the file: each
record, blank lines included, is one row, so the header is usually row 1 and the first data row
row 2, and a record over several lines is one row. The plan keeps, for each chunk, the source
byte ranges of its data rows and the SHA-256 of its bytes, so the chunk can be rebuilt from the
source later and checked; only one record is held in memory at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from reap_tui.batchfile import MAX_BYTES, MAX_DATA_ROWS, format_size

ByteRange = tuple[int, int]
"""Source byte offsets, start included, end excluded."""


class SplitError(Exception):
    """The file cannot be split; the message says why, naming the spreadsheet row if any."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


class SourceChanged(Exception):
    """The source file no longer holds the bytes a chunk was planned from."""


@dataclass(frozen=True)
class Chunk:
    """One upload: the header ranges of its plan, then `ranges`. Rows are spreadsheet rows of
    the source; records count data rows only (the first data row is record 1)."""

    number: int
    ranges: tuple[ByteRange, ...]
    data_rows: int
    size_bytes: int
    first_row: int
    last_row: int
    first_record: int
    last_record: int
    sha256: str

    @property
    def rows_text(self) -> str:
        return f"rows {self.first_row:,}-{self.last_row:,}"


@dataclass(frozen=True)
class SplitPlan:
    source_size: int
    source_sha256: str
    header_ranges: tuple[ByteRange, ...]
    """The BOM (if any) and the header row, which begin every chunk."""
    header_row: int
    data_rows: int
    chunks: tuple[Chunk, ...]
    max_bytes: int
    max_rows: int


class _RecordTooLarge(Exception):
    pass


class _Lines:
    """The source's physical lines, decoded as `batchfile` decodes them, for `csv.reader`. The
    raw lines of the record being read are kept until it is taken; a record over `limit`
    bytes stops the reading at once."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self.digest = hashlib.sha256()
        self.offset = 0
        self.bom = 0
        self._record: list[bytes] = []
        self._record_size = 0

    def __iter__(self) -> Iterator[str]:
        while raw := self._stream.readline(self._limit + 1 - self._record_size):
            first = self.offset == 0
            self.digest.update(raw)
            self.offset += len(raw)
            self._record.append(raw)
            self._record_size += len(raw)
            if self._record_size > self._limit:
                raise _RecordTooLarge
            if first and raw.startswith(codecs.BOM_UTF8):
                self.bom = len(codecs.BOM_UTF8)
                raw = raw[self.bom :]
            yield raw.decode("utf-8", errors="replace")

    def take(self) -> tuple[int, bytes]:
        """The record just read: its source offset and bytes."""
        record = b"".join(self._record)
        self._record, self._record_size = [], 0
        return self.offset - len(record), record


class _Filling:
    """The chunk being filled."""

    def __init__(self, number: int, header: bytes) -> None:
        self.number = number
        self.digest = hashlib.sha256(header)
        self.size = len(header)
        self.data_rows = 0
        self.ranges: list[ByteRange] = []
        self.first = self.last = (0, 0)  # (spreadsheet row, record)

    def has_room(self, size: int, max_bytes: int, max_rows: int) -> bool:
        return self.data_rows < max_rows and self.size + size <= max_bytes

    def add(self, start: int, record: bytes, row: int, ordinal: int) -> None:
        self.digest.update(record)
        self.size += len(record)
        end = start + len(record)
        if self.ranges and self.ranges[-1][1] == start:
            self.ranges[-1] = (self.ranges[-1][0], end)
        else:
            self.ranges.append((start, end))
        if self.data_rows == 0:
            self.first = (row, ordinal)
        self.last = (row, ordinal)
        self.data_rows += 1

    def done(self) -> Chunk:
        return Chunk(
            number=self.number,
            ranges=tuple(self.ranges),
            data_rows=self.data_rows,
            size_bytes=self.size,
            first_row=self.first[0],
            last_row=self.last[0],
            first_record=self.first[1],
            last_record=self.last[1],
            sha256=self.digest.hexdigest(),
        )


def split_stream(
    stream: BinaryIO, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_DATA_ROWS
) -> SplitPlan:
    """Plan the chunks of the CSV read from `stream` (binary, from its start). The file should
    have passed `batchfile`'s rules but for the size and row limits; what cannot be split at
    all (no header, no data rows, not CSV, a row too large for one upload) raises SplitError."""
    if max_bytes < 1 or max_rows < 1:
        raise ValueError("max_bytes and max_rows must be positive")
    lines = _Lines(stream, max_bytes)
    reader = csv.reader(lines, strict=True)
    chunks: list[Chunk] = []
    header: bytes | None = None
    header_ranges: tuple[ByteRange, ...] = ()
    header_row = 0
    filling: _Filling | None = None
    row = 0
    records = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise SplitError(f"row {row + 1:,} is not valid CSV: {error}", row + 1) from None
        except _RecordTooLarge:
            raise SplitError(_too_large(row + 1, header, max_bytes), row + 1) from None
        row += 1
        start, record = lines.take()
        if not cells:
            continue
        if header is None:
            header_row, header = row, record
            header_ranges = ((start, start + len(record)),)
            if lines.bom and start > 0:  # the BOM began a blank line before the header
                header = codecs.BOM_UTF8 + record
                header_ranges = ((0, lines.bom), *header_ranges)
            continue
        records += 1
        if len(header) + len(record) > max_bytes:
            raise SplitError(_too_large(row, header, max_bytes), row)
        if filling is None or not filling.has_room(len(record), max_bytes, max_rows):
            if filling is not None:
                chunks.append(filling.done())
            filling = _Filling(len(chunks) + 1, header)
        filling.add(start, record, row, records)
    if header is None:
        empty = "the file is empty" if lines.offset == 0 else "the file has only blank lines"
        raise SplitError(f"no header row ({empty})")
    if filling is None:
        raise SplitError("no data rows after the header", header_row)
    chunks.append(filling.done())
    return SplitPlan(
        source_size=lines.offset,
        source_sha256=lines.digest.hexdigest(),
        header_ranges=header_ranges,
        header_row=header_row,
        data_rows=records,
        chunks=tuple(chunks),
        max_bytes=max_bytes,
        max_rows=max_rows,
    )


def _too_large(row: int, header: bytes | None, max_bytes: int) -> str:
    limit = f"{format_size(max_bytes)} ({max_bytes:,} bytes)"
    if header is None:
        return f"the header row (row {row:,}) is larger than the upload limit of {limit}"
    return (
        f"row {row:,} does not fit in one upload: with the header row it is larger than "
        f"the upload limit of {limit}"
    )


def chunk_bytes(source: BinaryIO, plan: SplitPlan, chunk: Chunk) -> bytes:
    """The exact bytes of `chunk`, read again from `source` (binary, seekable). Raises
    SourceChanged if they are not the bytes it was planned with."""
    parts: list[bytes] = []
    for start, end in (*plan.header_ranges, *chunk.ranges):
        source.seek(start)
        parts.append(source.read(end - start))
    data = b"".join(parts)
    if len(data) != chunk.size_bytes or hashlib.sha256(data).hexdigest() != chunk.sha256:
        raise SourceChanged(
            f"the file changed after it was split: chunk {chunk.number} "
            f"({chunk.rows_text}) no longer matches it"
        )
    return data
