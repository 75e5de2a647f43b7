"""A file of batch ids for `import`: one id per line, or a CSV with a `batchId` column.

Pure and line-numbered: every bad line is reported by its number, good ones are kept.
In both forms, blank lines and lines starting with `#` are skipped (a comment may hold a
comma: it is still a comment, not a CSV header). Labels, when
present, are a second column: in the one-per-line form the rest of the line after the id and
white space; a CSV with a header takes them from its `label` column; a CSV without a header
(its first cell a batch id) has the id in its first column and the label in its second.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from reap_tui.api.ids import InvalidBatchId, is_batch_id, parse_batch_id
from reap_tui.files import MEGABYTE

ID_COLUMN = "batchId"
LABEL_COLUMN = "label"
SIZE_LIMIT = 10 * MEGABYTE  # some 270,000 ids, far more than anyone watches
# Lines end as an editor (and the csv module) ends them; str.splitlines would also break a
# label at a form feed, a vertical tab or a C1 "next line", and number the lines after wrong.
_LINE_END = re.compile(r"\r\n|\r|\n")


class UnusableIdList(ValueError):
    """The file as a whole cannot be read as a list of ids."""


@dataclass
class IdList:
    ids: list[tuple[int, str]] = field(default_factory=list)  # (line number, canonical id)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    # canonical id -> (line number, label as written): the first label given for the id
    labels: dict[str, tuple[int, str]] = field(default_factory=dict)

    def take(self, line: int, text: str, label: str = "") -> None:
        try:
            batch_id = parse_batch_id(text)
        except InvalidBatchId as error:
            self.problems.append((line, str(error)))
            return
        self.ids.append((line, batch_id))
        if label.strip():
            self.labels.setdefault(batch_id, (line, label.strip()))


def parse_id_list(data: bytes) -> IdList:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = data.count(b"\n", 0, error.start) + 1
        raise UnusableIdList(f"line {bad_line}: not UTF-8 text") from None
    lines = _LINE_END.split(text)
    first = next((line for line in lines if _is_content(line)), "")
    if _is_csv(first):
        return _from_csv(text)
    result = IdList()
    for number, line in enumerate(lines, start=1):
        if _is_content(line):
            batch_id, *label = line.split(maxsplit=1)
            result.take(number, batch_id, "".join(label))
    return result


def _is_content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _is_csv(first: str) -> bool:
    """A CSV starts with a header naming batchId, or with anything but an id followed by white
    space (`id label, with a comma` is one id per line)."""
    if first.strip().lower() == ID_COLUMN.lower():
        return True
    return "," in first and not is_batch_id(first.split(maxsplit=1)[0])


def _from_csv(text: str) -> IdList:
    reader = csv.reader(io.StringIO(text, newline=""))
    result = IdList()
    try:
        header = next(row for row in reader if _is_row(row))
        names = [cell.strip().lower() for cell in header]
        if ID_COLUMN.lower() in names:
            column = names.index(ID_COLUMN.lower())
            labels = names.index(LABEL_COLUMN) if LABEL_COLUMN in names else None
        elif is_batch_id(header[0].strip()):  # no header: rows of id,label
            column, labels = 0, 1
            result.take(reader.line_num, header[0], _cell(header, labels))
        else:
            shown = ", ".join(cell.strip() for cell in header)[:200]
            raise UnusableIdList(
                f"line {reader.line_num}: the CSV header has no {ID_COLUMN} column "
                f"(columns: {shown})"
            )
        for row in reader:
            if not _is_row(row):
                continue
            if column >= len(row) or not row[column].strip():
                result.problems.append((reader.line_num, f"no {ID_COLUMN} value in this row"))
            else:
                result.take(reader.line_num, row[column], _cell(row, labels))
    except csv.Error as error:
        raise UnusableIdList(f"line {reader.line_num}: not readable as CSV ({error})") from None
    return result


def _is_row(row: list[str]) -> bool:
    """Not blank, and not a comment."""
    return any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")


def _cell(row: list[str], column: int | None) -> str:
    return row[column] if column is not None and column < len(row) else ""
