"""The upload CSV rules (POST /entity/kyc/import/batch), checked in one streaming pass.

The file is read one physical line at a time (`csv_lines`): an invalid byte is reported with
its row and file offset, then replaced so the other rules still run on the rest of the file.

Problems are reported as `batchreport.Problem`s, rows numbered as a spreadsheet shows them.

Decisions the upload page leaves open:
- a blank line is skipped with a warning and is not a data row;
- a header with no data rows is an error;
- an unknown column is a warning, a repeated header name an error;
- an `externalId` with spaces around it is not a UUID; duplicates compare case-insensitively;
- quoting is strict (a quote must end its cell; an unclosed quote is an error);
- a cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
  return) is a warning: the file is often opened in one before or after the upload;
- a NUL byte is an error: no cell of the upload holds one, and tools cut the text there.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, replace
from typing import BinaryIO

from reap_tui.api.ids import is_batch_id
from reap_tui.batchreport import (
    HEADER_ROW,
    Problem,
    Severity,
    ValidationReport,
    counted,
    format_size,
)
from reap_tui.csv_lines import DecodedLines
from reap_tui.files import open_regular

# The report's types are defined in batchreport and are part of this module's interface.
__all__ = [
    "HEADER_ROW",
    "MAX_BYTES",
    "MAX_DATA_ROWS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Problem",
    "Severity",
    "UnreadableFile",
    "ValidationReport",
    "format_size",
    "shown_cell",
    "validate_bytes",
    "validate_file",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 5_000
REQUIRED_COLUMNS = ("externalId", "shareToken")
OPTIONAL_COLUMNS = ("applicantLevel", "cardProcessorPublicToken")
SHOWN_PER_RULE = 20
SHOWN_CELL_CHARS = 40

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
    "nul": ("error", "lines with NUL bytes"),
    "formula": ("warning", "cells a spreadsheet would run as formulas"),
}

# How a cell starts when a spreadsheet would read it as a formula (CSV injection).
_FORMULA_STARTS = {
    "=": '"="',
    "+": '"+"',
    "-": '"-"',
    "@": '"@"',
    "\t": "a tab",
    "\r": "a carriage return",
}


class UnreadableFile(Exception):
    """The file cannot be opened or read; the message names the file and the reason."""


def validate_file(path: str | os.PathLike[str]) -> ValidationReport:
    """Check a batch CSV against the upload rules; raise UnreadableFile if it cannot be read."""
    try:
        with open_regular(path) as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_BYTES:
                return _too_large(size)
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


def shown_cell(text: str) -> str:
    """A cell as it may be printed: quoted, control characters escaped, long text cut."""
    clipped = text[:SHOWN_CELL_CHARS]
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in clipped
    )
    return f'"{escaped}{"…" if len(text) > SHOWN_CELL_CHARS else ""}"'


def _shown_column(name: str) -> str:
    return name if _PLAIN_NAME.fullmatch(name) else shown_cell(name)


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


@dataclass(frozen=True)
class _Where:
    """Where a problem is: see `Problem` for each number."""

    row: int | None = None
    line: int | None = None
    sheet_row: int | None = None


class _Problems:
    """Counts every problem, keeps the first SHOWN_PER_RULE of each rule."""

    def __init__(self) -> None:
        self._shown: list[Problem] = []
        self._per_rule: dict[str, int] = {}
        self.errors = 0
        self.warnings = 0

    def add(
        self, rule: str, message: str, where: _Where | None = None, column: str | None = None
    ) -> None:
        severity = _RULES[rule][0]
        if severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        count = self._per_rule[rule] = self._per_rule.get(rule, 0) + 1
        if count <= SHOWN_PER_RULE:
            at = where or _Where()
            self._shown.append(Problem(severity, message, at.row, at.line, column, at.sheet_row))

    def shown(self) -> tuple[Problem, ...]:
        left_out = [
            Problem(_RULES[rule][0], f"and {count - SHOWN_PER_RULE:,} more {_RULES[rule][1]}")
            for rule, count in self._per_rule.items()
            if count > SHOWN_PER_RULE
        ]
        return (*self._shown, *left_out)


class _Header:
    """The header row: where each upload column is, and the problems with the names."""

    def __init__(self, names: list[str], where: _Where, problems: _Problems) -> None:
        self.names = names
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
                    where,
                    _shown_column(name),
                )
            if name in known:
                continue
            if not name.strip():
                problems.add(
                    "unknown-column",
                    f"column {numbers[0]} has no name",
                    where,
                )
                continue
            meant = absent_by_folded.get(name.strip().casefold())
            if meant in REQUIRED_COLUMNS:
                continue  # reported below with the missing column
            hint = f' (did you mean "{meant}"?)' if meant else ""
            problems.add(
                "unknown-column",
                f"not an upload column{hint}",
                where,
                _shown_column(name),
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
                where,
                required,
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
    """The data-row rules: width, empty required cells, externalId format and uniqueness, and
    cells a spreadsheet would run."""

    def __init__(self, header: _Header, problems: _Problems) -> None:
        self._header = header
        self._required = [(c, header.index[c]) for c in REQUIRED_COLUMNS if c in header.index]
        self._problems = problems
        self._first_row_of_id: dict[int, int] = {}  # the id as a number -> its sheet row

    def check(self, cells: list[str], where: _Where) -> None:
        width = self._header.width
        if len(cells) != width:
            self._problems.add(
                "ragged", f"{counted(len(cells), 'cell')}, the header has {width}", where
            )
        for column, index in self._required:
            if index >= len(cells):
                continue
            value = cells[index]
            if not value.strip():
                self._problems.add("empty-cell", "required cell is empty", where, column)
            elif column == "externalId":
                self._check_external_id(value, where)
        for index, cell in enumerate(cells):
            start = _FORMULA_STARTS.get(cell[:1])
            if start is not None:
                self._problems.add(
                    "formula",
                    f"{shown_cell(cell)} starts with {start}: a spreadsheet opening the file "
                    "may run it as a formula",
                    where,
                    self._column_name(index),
                )

    def _column_name(self, index: int) -> str | None:
        names = self._header.names
        return _shown_column(names[index]) if index < len(names) and names[index] else None

    def _check_external_id(self, value: str, where: _Where) -> None:
        spaced = value != value.strip()
        if spaced or not is_batch_id(value):
            spaces = " (spaces around it)" if spaced else ""
            self._problems.add(
                "not-uuid", f"{shown_cell(value)} is not a UUID{spaces}", where, "externalId"
            )
            return
        # The UUID as a number: half the memory of its text, for a 10 MB file of ids.
        key = int(value.replace("-", ""), 16)
        sheet_row = where.sheet_row or 0
        first = self._first_row_of_id.setdefault(key, sheet_row)
        if first != sheet_row:
            self._problems.add(
                "duplicate-id", f"{shown_cell(value)} is also in row {first:,}", where, "externalId"
            )


def _validate_stream(stream: BinaryIO, *, whole_file: bool = False) -> ValidationReport:
    problems = _Problems()
    lines = DecodedLines(stream, limit=MAX_BYTES, whole_file=whole_file)
    reader = csv.reader(lines, strict=True)
    rows: _Rows | None = None
    columns: tuple[str, ...] = ()
    data_rows = 0
    records = 0  # rows as a spreadsheet counts them: the header, data rows, blank lines
    last_line = 0

    def report_bad_bytes(where: _Where) -> None:
        for bad in lines.take_bad_bytes():
            at = replace(where, line=bad.line)
            if bad.value == 0:
                problems.add(
                    "nul",
                    f"a NUL byte (0x00) at byte offset {bad.offset:,}: no cell may hold one",
                    at,
                )
                continue
            looks_utf16 = bad.offset == 0 and bad.value in (0xFE, 0xFF)
            advice = "the file looks like UTF-16" if looks_utf16 else "save the file as UTF-8"
            problems.add(
                "encoding",
                f"invalid UTF-8 byte 0x{bad.value:02X} at byte offset {bad.offset:,} ({advice})",
                at,
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
        records += 1
        start, last_line = last_line + 1, reader.line_num
        if header_unreadable:
            # The rows cannot be checked without a header; read on for the size.
            report_bad_bytes(_Where())
        elif malformed is not None:
            if rows is None:
                header_unreadable = True
                where = _Where(HEADER_ROW, start, records)
            else:
                data_rows += 1
                where = _Where(data_rows, start, records)
            report_bad_bytes(where)
            problems.add("malformed", f"not valid CSV: {malformed}", where)
        elif not cells:
            where = _Where(None, start, records)
            report_bad_bytes(where)
            problems.add("blank-line", "blank line skipped", where)
        elif rows is None:
            where = _Where(HEADER_ROW, start, records)
            report_bad_bytes(where)
            columns = tuple(cells)
            rows = _Rows(_Header(cells, where, problems), problems)
        else:
            data_rows += 1
            where = _Where(data_rows, start, records)
            report_bad_bytes(where)
            rows.check(cells, where)
    report_bad_bytes(_Where())

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
