"""The upload CSV rules (POST /entity/kyc/import/batch), checked in one streaming pass.

The file is read in binary one physical line at a time and each line is decoded on its own:
a newline byte never occurs inside a multi-byte UTF-8 sequence, so this is exact, and an
invalid byte can be reported with its row and file offset. The byte is then replaced so the
other rules still run on the rest of the file.

Decisions the upload page leaves open:
- a blank line is skipped with a warning and is not a data row;
- a header with no data rows is an error;
- an unknown column is a warning, a repeated header name an error;
- an `externalId` with spaces around it is not a UUID; duplicates compare case-insensitively;
- quoting is strict (a quote must end its cell; an unclosed quote is an error).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

from reap_tui.api.ids import is_batch_id

MAX_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 5_000
REQUIRED_COLUMNS = ("externalId", "shareToken")
OPTIONAL_COLUMNS = ("applicantLevel", "cardProcessorPublicToken")
SHOWN_PER_RULE = 20
HEADER_ROW = 0
SHOWN_CELL_CHARS = 40

Severity = Literal["error", "warning"]

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")

# Each rule: its severity and, for the "and N more" line, what its problems are called.
_RULES: dict[str, tuple[Severity, str]] = {
    "size": ("error", "size problems"),
    "header": ("error", "header problems"),
    "missing-column": ("error", "missing columns"),
    "duplicate-column": ("error", "repeated column names"),
    "unknown-column": ("warning", "unknown columns"),
    "encoding": ("error", "lines with invalid UTF-8"),
    "malformed": ("error", "lines that are not valid CSV"),
    "blank-line": ("warning", "blank lines"),
    "ragged": ("error", "rows with the wrong number of cells"),
    "empty-cell": ("error", "empty required cells"),
    "not-uuid": ("error", "externalId cells that are not UUIDs"),
    "duplicate-id": ("error", "repeated externalIds"),
    "row-count": ("error", "row count problems"),
}


class UnreadableFile(Exception):
    """The file cannot be opened or read; the message names the file and the reason."""


@dataclass(frozen=True)
class Problem:
    """One broken rule. `row` is the 1-based data row, HEADER_ROW for the header, or None when
    the problem has no row; `line` is the physical line in the file; `column` is the header
    name, escaped for display."""

    severity: Severity
    message: str
    row: int | None = None
    line: int | None = None
    column: str | None = None

    @property
    def location(self) -> str:
        if self.row is None:
            where = "" if self.line is None else f"line {self.line}"
        elif self.row == HEADER_ROW:
            where = "header" if self.line in (None, 1) else f"header (line {self.line})"
        else:
            where = f"row {self.row}"
            if self.line not in (None, self.row + 1):
                where += f" (line {self.line})"
        if self.column is not None:
            where = f"{where}, column {self.column}" if where else f"column {self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(frozen=True)
class ValidationReport:
    """What `validate_file` found. The counts include the problems left out of `problems`
    beyond SHOWN_PER_RULE per rule. `data_rows` is None when the file was too large to read."""

    size_bytes: int
    data_rows: int | None
    columns: tuple[str, ...]
    problems: tuple[Problem, ...]
    error_count: int
    warning_count: int

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def summary(self) -> str:
        warnings = _counted(self.warning_count, "warning")
        if not self.ok:
            return f"invalid: {_counted(self.error_count, 'error')}, {warnings}"
        text = f"valid: {_counted(self.data_rows or 0, 'data row')}, {format_size(self.size_bytes)}"
        return f"{text}, {warnings}" if self.warning_count else text

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "size_bytes": self.size_bytes,
            "data_rows": self.data_rows,
            "columns": list(self.columns),
            "errors": self.error_count,
            "warnings": self.warning_count,
            "problems": [
                {
                    "severity": p.severity,
                    "row": p.row,
                    "line": p.line,
                    "column": p.column,
                    "message": p.message,
                }
                for p in self.problems
            ],
        }


def validate_file(path: str | os.PathLike[str]) -> ValidationReport:
    """Check a batch CSV against the upload rules; raise UnreadableFile if it cannot be read."""
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise UnreadableFile(f"cannot read {os.fspath(path)}: it is a directory")
        if status.st_size > MAX_BYTES:
            return _too_large(status.st_size)
        with open(path, "rb") as stream:
            return _validate_stream(stream)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {reason}") from None


def validate_whole(stream: BinaryIO) -> ValidationReport:
    """Check a CSV that is to be split into uploads (`chunking`), read from `stream` to its end:
    every rule but the two limits of one upload (10 MB, 5,000 data rows). A line longer than
    10 MB still stops the reading, since no upload could hold its row."""
    return _validate_stream(stream, whole_file=True)


def validate_bytes(data: bytes) -> ValidationReport:
    """Check an upload body already in memory (the sandbox's endpoint, tests)."""
    if len(data) > MAX_BYTES:
        return _too_large(len(data))
    return _validate_stream(io.BytesIO(data))


def format_size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return _counted(size_bytes, "byte")
    if size_bytes < 1024 * 1024:
        return f"{round(size_bytes / 1024):,} KB"
    return f"{size_bytes / (1024 * 1024):,.1f} MB"


def shown_cell(text: str) -> str:
    """A cell as it may be printed: quoted, control characters escaped, long text cut."""
    clipped = text[:SHOWN_CELL_CHARS]
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in clipped
    )
    return f'"{escaped}{"…" if len(text) > SHOWN_CELL_CHARS else ""}"'


def _shown_column(name: str) -> str:
    return name if _PLAIN_NAME.fullmatch(name) else shown_cell(name)


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _too_large_message(size_bytes: int) -> str:
    return (
        f"file is {format_size(size_bytes)} ({size_bytes:,} bytes); "
        f"the upload limit is 10 MB ({MAX_BYTES:,} bytes)"
    )


def _too_large(size_bytes: int) -> ValidationReport:
    return ValidationReport(
        size_bytes=size_bytes,
        data_rows=None,
        columns=(),
        problems=(Problem("error", _too_large_message(size_bytes)),),
        error_count=1,
        warning_count=0,
    )


class _Problems:
    """Counts every problem, keeps the first SHOWN_PER_RULE of each rule."""

    def __init__(self) -> None:
        self._shown: list[Problem] = []
        self._per_rule: dict[str, int] = {}
        self.errors = 0
        self.warnings = 0

    def add(
        self,
        rule: str,
        message: str,
        *,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        severity = _RULES[rule][0]
        if severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        count = self._per_rule[rule] = self._per_rule.get(rule, 0) + 1
        if count <= SHOWN_PER_RULE:
            self._shown.append(Problem(severity, message, row, line, column))

    def shown(self) -> tuple[Problem, ...]:
        left_out = [
            Problem(_RULES[rule][0], f"and {count - SHOWN_PER_RULE:,} more {_RULES[rule][1]}")
            for rule, count in self._per_rule.items()
            if count > SHOWN_PER_RULE
        ]
        return (*self._shown, *left_out)


@dataclass(frozen=True)
class _BadByte:
    line: int
    offset: int
    value: int


class _DecodedLines:
    """The file's physical lines as text, recording invalid UTF-8 bytes on the way.

    Reading stops past MAX_BYTES even if the size checked beforehand was smaller (a file
    still being written, a pipe); for a `whole_file`, at a line longer than MAX_BYTES."""

    def __init__(self, stream: BinaryIO, *, whole_file: bool = False) -> None:
        self._stream = stream
        self._whole_file = whole_file
        self.bytes_read = 0
        self.too_large = False
        self.stopped_at_line = 0
        self.bad_bytes: list[_BadByte] = []

    def __iter__(self) -> Iterator[str]:
        line = 0
        while raw := self._stream.readline(MAX_BYTES + 1 - self._limited_bytes()):
            offset = self.bytes_read
            self.bytes_read += len(raw)
            if self._limited_bytes() > MAX_BYTES or len(raw) > MAX_BYTES:
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
                self.bad_bytes.append(_BadByte(line, offset + error.start, raw[error.start]))
                text = raw.decode("utf-8", errors="replace")
            yield text

    def _limited_bytes(self) -> int:
        """The bytes counted against MAX_BYTES: all of them, or for a whole file none (only
        each line on its own is limited)."""
        return 0 if self._whole_file else self.bytes_read

    def take_bad_bytes(self) -> list[_BadByte]:
        taken, self.bad_bytes = self.bad_bytes, []
        return taken


class _Header:
    """The header row: where each upload column is, and the problems with the names."""

    def __init__(self, names: list[str], line: int, problems: _Problems) -> None:
        self.width = len(names)
        self.index: dict[str, int] = {}
        positions: dict[str, list[int]] = {}
        for number, name in enumerate(names, start=1):
            positions.setdefault(name, []).append(number)
            self.index.setdefault(name, number - 1)

        known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
        absent_by_folded = {k.casefold(): k for k in known if k not in positions}
        for name, numbers in positions.items():
            if len(numbers) > 1:
                problems.add(
                    "duplicate-column",
                    f"the name is used by columns {_listed(numbers)}",
                    row=HEADER_ROW,
                    line=line,
                    column=_shown_column(name),
                )
            if name in known:
                continue
            if not name.strip():
                problems.add(
                    "unknown-column",
                    f"column {numbers[0]} has no name",
                    row=HEADER_ROW,
                    line=line,
                )
                continue
            meant = absent_by_folded.get(name.strip().casefold())
            if meant in REQUIRED_COLUMNS:
                continue  # reported below with the missing column
            hint = f' (did you mean "{meant}"?)' if meant else ""
            problems.add(
                "unknown-column",
                f"not an upload column{hint}",
                row=HEADER_ROW,
                line=line,
                column=_shown_column(name),
            )

        for required in REQUIRED_COLUMNS:
            if required in positions:
                continue
            near = [
                (name, numbers[0])
                for name, numbers in positions.items()
                if name.strip().casefold() == required.casefold()
            ]
            hint = (
                f" (did you mean {shown_cell(near[0][0])} in column {near[0][1]}?)" if near else ""
            )
            problems.add(
                "missing-column",
                f"required column is missing{hint}",
                row=HEADER_ROW,
                line=line,
                column=required,
            )


def _listed(numbers: list[int]) -> str:
    if len(numbers) > 5:
        return ", ".join(str(n) for n in numbers[:5]) + f" and {len(numbers) - 5:,} more"
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _explained(error: csv.Error) -> str:
    """The csv module's message, in the words of someone editing the file."""
    text = str(error)
    if "expected after" in text:
        return 'a quote inside a cell must be doubled ("") and the whole cell quoted'
    if "unexpected end of data" in text:
        return "a quoted cell is never closed"
    if "new-line character" in text:
        return "a line ends with a lone carriage return (save with LF or CRLF line endings)"
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return text


class _Rows:
    """The data-row rules: width, empty required cells, externalId format and uniqueness."""

    def __init__(self, header: _Header, problems: _Problems) -> None:
        self._width = header.width
        self._required = [(c, header.index[c]) for c in REQUIRED_COLUMNS if c in header.index]
        self._problems = problems
        self._first_row_of_id: dict[int, int] = {}

    def check(self, cells: list[str], row: int, line: int) -> None:
        width = self._width
        if len(cells) != width:
            self._problems.add(
                "ragged",
                f"{_counted(len(cells), 'cell')}, the header has {width}",
                row=row,
                line=line,
            )
        for column, index in self._required:
            if index >= len(cells):
                continue
            value = cells[index]
            if not value.strip():
                self._problems.add(
                    "empty-cell", "required cell is empty", row=row, line=line, column=column
                )
            elif column == "externalId":
                self._check_external_id(value, row, line)

    def _check_external_id(self, value: str, row: int, line: int) -> None:
        spaced = value != value.strip()
        if spaced or not is_batch_id(value):
            spaces = " (spaces around it)" if spaced else ""
            self._problems.add(
                "not-uuid",
                f"{shown_cell(value)} is not a UUID{spaces}",
                row=row,
                line=line,
                column="externalId",
            )
            return
        # The UUID as a number: half the memory of its text, for a 10 MB file of ids.
        key = int(value.replace("-", ""), 16)
        first = self._first_row_of_id.setdefault(key, row)
        if first != row:
            self._problems.add(
                "duplicate-id",
                f"{shown_cell(value)} is also in row {first}",
                row=row,
                line=line,
                column="externalId",
            )


def _validate_stream(stream: BinaryIO, *, whole_file: bool = False) -> ValidationReport:
    problems = _Problems()
    lines = _DecodedLines(stream, whole_file=whole_file)
    reader = csv.reader(lines, strict=True)
    rows: _Rows | None = None
    columns: tuple[str, ...] = ()
    data_rows = 0
    last_line = 0

    def report_bad_bytes(row: int | None) -> None:
        for bad in lines.take_bad_bytes():
            looks_utf16 = bad.offset == 0 and bad.value in (0xFE, 0xFF)
            advice = "the file looks like UTF-16" if looks_utf16 else "save the file as UTF-8"
            problems.add(
                "encoding",
                f"invalid UTF-8 byte 0x{bad.value:02X} at byte offset {bad.offset:,} ({advice})",
                row=row,
                line=bad.line,
            )

    header_unreadable = False
    while True:
        malformed: str | None = None
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            cells, malformed = [], _explained(error)
        start, last_line = last_line + 1, reader.line_num
        if header_unreadable:
            report_bad_bytes(None)  # the rows cannot be checked without a header; read on for size
        elif malformed is not None:
            if rows is None:
                header_unreadable = True
                row = HEADER_ROW
            else:
                data_rows += 1
                row = data_rows
            report_bad_bytes(row)
            problems.add("malformed", f"not valid CSV: {malformed}", row=row, line=start)
        elif not cells:
            report_bad_bytes(None)
            problems.add("blank-line", "blank line skipped", line=start)
        elif rows is None:
            report_bad_bytes(HEADER_ROW)
            columns = tuple(cells)
            rows = _Rows(_Header(cells, start, problems), problems)
        else:
            data_rows += 1
            report_bad_bytes(data_rows)
            rows.check(cells, data_rows, start)
    report_bad_bytes(None)

    if lines.too_large and whole_file:
        problems.add(
            "size",
            f"line {lines.stopped_at_line:,} is longer than the upload limit of 10 MB "
            f"({MAX_BYTES:,} bytes): no upload can hold its row",
        )
    elif lines.too_large:
        problems.add("size", _too_large_message(lines.bytes_read))
    elif rows is None and not header_unreadable:
        empty = "the file is empty" if lines.bytes_read == 0 else "the file has only blank lines"
        problems.add("header", f"no header row ({empty})")
    elif rows is not None and data_rows == 0:
        problems.add("row-count", "no data rows after the header")
    elif data_rows > MAX_DATA_ROWS and not whole_file:
        problems.add(
            "row-count",
            f"{data_rows:,} data rows; the upload limit is {MAX_DATA_ROWS:,}",
        )
    return ValidationReport(
        size_bytes=lines.bytes_read,
        data_rows=data_rows,
        columns=columns,
        problems=problems.shown(),
        error_count=problems.errors,
        warning_count=problems.warnings,
    )
