"""A file of batch ids for `import`: one id per line, or a CSV with a `batchId` column.

Pure and line-numbered: every bad line is reported by its number, good ones are kept.
In the one-per-line form, blank lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.files import MEGABYTE

ID_COLUMN = "batchId"
SIZE_LIMIT = 10 * MEGABYTE  # some 270,000 ids, far more than anyone watches


class UnusableIdList(ValueError):
    """The file as a whole cannot be read as a list of ids."""


@dataclass
class IdList:
    ids: list[tuple[int, str]] = field(default_factory=list)  # (line number, canonical id)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    def take(self, line: int, text: str) -> None:
        try:
            self.ids.append((line, parse_batch_id(text)))
        except InvalidBatchId as error:
            self.problems.append((line, str(error)))


def parse_id_list(data: bytes) -> IdList:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = data.count(b"\n", 0, error.start) + 1
        raise UnusableIdList(f"line {bad_line}: not UTF-8 text") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first or first.strip().lower() == ID_COLUMN.lower():
        return _from_csv(text)
    result = IdList()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            result.take(number, line)
    return result


def _from_csv(text: str) -> IdList:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(row for row in reader if any(cell.strip() for cell in row))
        names = [cell.strip().lower() for cell in header]
        if ID_COLUMN.lower() not in names:
            shown = ", ".join(cell.strip() for cell in header)[:200]
            raise UnusableIdList(
                f"line {reader.line_num}: the CSV header has no {ID_COLUMN} column "
                f"(columns: {shown})"
            )
        column = names.index(ID_COLUMN.lower())
        result = IdList()
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if column >= len(row) or not row[column].strip():
                result.problems.append((reader.line_num, f"no {ID_COLUMN} value in this row"))
            else:
                result.take(reader.line_num, row[column])
    except csv.Error as error:
        raise UnusableIdList(f"line {reader.line_num}: not readable as CSV ({error})") from None
    return result
