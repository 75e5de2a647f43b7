"""A CSV file's physical lines as text, read in binary one line at a time: each line is decoded
on its own (a newline byte never occurs inside a multi-byte UTF-8 sequence, so this is exact),
and an invalid byte or a NUL is recorded with its line and file offset, then replaced so the
rest of the file can still be checked."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class BadByte:
    """An invalid UTF-8 byte, or (value 0) a NUL byte: one per line, the first."""

    line: int
    offset: int
    value: int


class DecodedLines:
    """The file's physical lines as text, recording invalid UTF-8 and NUL bytes on the way.

    Reading stops past `limit` bytes even if the size checked beforehand was smaller (a file
    still being written, a pipe); for a `whole_file`, at a line longer than `limit`."""

    def __init__(self, stream: BinaryIO, *, limit: int, whole_file: bool = False) -> None:
        self._stream = stream
        self._limit = limit
        self._whole_file = whole_file
        self.bytes_read = 0
        self.too_large = False
        self.stopped_at_line = 0
        self.bad_bytes: list[BadByte] = []

    def __iter__(self) -> Iterator[str]:
        line = 0
        while raw := self._stream.readline(self._limit + 1 - self._limited_bytes()):
            offset = self.bytes_read
            self.bytes_read += len(raw)
            if self._limited_bytes() > self._limit or len(raw) > self._limit:
                self.too_large = True
                self.stopped_at_line = line + 1
                return
            line += 1
            if line == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
                offset += len(codecs.BOM_UTF8)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad_bytes.append(BadByte(line, offset + error.start, raw[error.start]))
                text = raw.decode("utf-8", errors="replace")
            else:
                nul = raw.find(b"\x00")
                if nul >= 0:
                    self.bad_bytes.append(BadByte(line, offset + nul, 0))
            yield text

    def _limited_bytes(self) -> int:
        """The bytes counted against the limit: all of them, or for a whole file none (only
        each line on its own is limited)."""
        return 0 if self._whole_file else self.bytes_read

    def take_bad_bytes(self) -> list[BadByte]:
        taken, self.bad_bytes = self.bad_bytes, []
        return taken
