"""What `validate` found in a batch CSV: its problems, each with where it is, and the totals.

Rows are numbered as a spreadsheet shows the file (and as Frictionless' `rowPosition` does):
the header is row 1, every record after it the next row, a blank line included; a quoted cell
spanning lines is one row. The physical line is added when it differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
HEADER_ROW = 0  # Problem.row of a problem in the header


@dataclass(frozen=True)
class Problem:
    """One broken rule.

    `row` is the 1-based data row (the record number: the first row after the header is 1),
    HEADER_ROW for the header, or None when the problem is on no data row; `sheet_row` is
    the row a spreadsheet shows it on (the header is usually row 1), which is what messages
    say; `line` is the physical line in the file; `column` is the header name, escaped for
    display."""

    severity: Severity
    message: str
    row: int | None = None
    line: int | None = None
    column: str | None = None
    sheet_row: int | None = None

    @property
    def location(self) -> str:
        """`row 5,012 (line 5,020), column shareToken`: numbers written as `chunking` writes
        a chunk's rows."""
        if self.row == HEADER_ROW:
            where = "header"
            aside = [f"row {self.sheet_row:,}"] if self.sheet_row not in (None, 1) else []
            if self.line is not None and self.line != (self.sheet_row or 1):
                aside.append(f"line {self.line:,}")
            if aside:
                where += f" ({', '.join(aside)})"
        elif self.sheet_row is not None:
            where = f"row {self.sheet_row:,}"
            if self.line not in (None, self.sheet_row):
                where += f" (line {self.line:,})"
        elif self.row is not None:
            where = f"data row {self.row:,}"
            if self.line is not None:
                where += f" (line {self.line:,})"
        else:
            where = "" if self.line is None else f"line {self.line:,}"
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
        warnings = counted(self.warning_count, "warning")
        if not self.ok:
            return f"invalid: {counted(self.error_count, 'error')}, {warnings}"
        text = f"valid: {counted(self.data_rows or 0, 'data row')}, {format_size(self.size_bytes)}"
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
                    "row": p.sheet_row,
                    "data_row": p.row if p.row != HEADER_ROW else None,
                    "header": p.row == HEADER_ROW,
                    "line": p.line,
                    "column": p.column,
                    "message": p.message,
                }
                for p in self.problems
            ],
        }


def format_size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return counted(size_bytes, "byte")
    if size_bytes < 1024 * 1024:
        return f"{round(size_bytes / 1024):,} KB"
    return f"{size_bytes / (1024 * 1024):,.1f} MB"


def counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
