"""Splitting an upload CSV into chunks: the edge cases one by one, then the property that any
valid file splits into chunks each valid on its own, within the limits, numbered as a
spreadsheet numbers the source's rows, and adding up to the source byte for byte."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reap_tui.batchfile import MAX_BYTES, MAX_DATA_ROWS, validate_bytes, validate_whole
from reap_tui.chunking import (
    SourceChanged,
    SplitError,
    SplitPlan,
    chunk_bytes,
    split_stream,
)

HEADER = b"externalId,shareToken,applicantLevel\n"
BOM = codecs.BOM_UTF8


def uuid_for(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


def row(n: int, token: str = "", newline: str = "\n") -> bytes:
    return f"{uuid_for(n)},{token or f'tok-{n}'},basic-kyc{newline}".encode()


def split(data: bytes, **limits: int) -> tuple[SplitPlan, list[bytes]]:
    plan = split_stream(io.BytesIO(data), **limits)
    return plan, [chunk_bytes(io.BytesIO(data), plan, chunk) for chunk in plan.chunks]


def bodies(plan: SplitPlan, chunks: Sequence[bytes]) -> list[bytes]:
    """Each chunk without the header that begins it."""
    header_size = sum(end - start for start, end in plan.header_ranges)
    return [chunk[header_size:] for chunk in chunks]


def test_exactly_5000_rows_is_one_chunk_equal_to_the_file() -> None:
    data = HEADER + b"".join(row(n) for n in range(MAX_DATA_ROWS))

    plan, chunks = split(data)

    assert chunks == [data]
    (chunk,) = plan.chunks
    assert (chunk.data_rows, chunk.first_row, chunk.last_row) == (5_000, 2, 5_001)
    assert (chunk.first_record, chunk.last_record) == (1, 5_000)
    assert chunk.sha256 == plan.source_sha256 == hashlib.sha256(data).hexdigest()
    assert chunk.rows_text == "rows 2-5,001"


def test_5001_rows_are_two_chunks() -> None:
    data = HEADER + b"".join(row(n) for n in range(MAX_DATA_ROWS + 1))

    plan, chunks = split(data)

    assert [c.data_rows for c in plan.chunks] == [5_000, 1]
    assert [(c.first_row, c.last_row) for c in plan.chunks] == [(2, 5_001), (5_002, 5_002)]
    assert chunks[1] == HEADER + row(MAX_DATA_ROWS)
    assert all(validate_bytes(chunk).ok for chunk in chunks)


def test_23456_rows_are_five_chunks_in_order() -> None:
    rows = [row(n) for n in range(23_456)]
    data = HEADER + b"".join(rows)

    plan, chunks = split(data)

    assert [c.data_rows for c in plan.chunks] == [5_000] * 4 + [3_456]
    assert [c.rows_text for c in plan.chunks][-1] == "rows 20,002-23,457"
    assert b"".join(bodies(plan, chunks)) == b"".join(rows)
    assert plan.data_rows == 23_456


@pytest.mark.parametrize(("spare", "first_chunk_rows"), [(0, 3), (-1, 2)])
def test_a_row_that_would_pass_the_byte_limit_starts_the_next_chunk(
    spare: int, first_chunk_rows: int
) -> None:
    """A chunk may reach the limit exactly; one byte over and the row waits for the next."""
    rows = [row(n) for n in range(5)]
    limit = len(HEADER) + sum(len(r) for r in rows[:3]) + spare

    plan, chunks = split(HEADER + b"".join(rows), max_bytes=limit)

    assert plan.chunks[0].data_rows == first_chunk_rows
    assert plan.chunks[0].size_bytes == len(chunks[0]) <= limit
    assert b"".join(bodies(plan, chunks)) == b"".join(rows)


def test_crlf_rows_and_header_are_copied_as_they_are() -> None:
    header = HEADER.replace(b"\n", b"\r\n")
    rows = [row(n, newline="\r\n") for n in range(5)]

    _, chunks = split(header + b"".join(rows), max_rows=2)

    assert chunks == [header + rows[0] + rows[1], header + rows[2] + rows[3], header + rows[4]]
    assert all(validate_bytes(chunk).ok for chunk in chunks)


@pytest.mark.parametrize("before_header", [b"", b"\n"], ids=["on-the-header", "on-a-blank-line"])
def test_a_bom_begins_every_chunk(before_header: bytes) -> None:
    rows = [row(n) for n in range(3)]
    data = BOM + before_header + HEADER + b"".join(rows)

    plan, chunks = split(data, max_rows=1)

    assert chunks == [BOM + HEADER + r for r in rows]
    assert plan.header_row == 1 + before_header.count(b"\n")
    for chunk in chunks:
        report = validate_bytes(chunk)
        assert report.ok and report.warning_count == 0
        assert report.columns == ("externalId", "shareToken", "applicantLevel")


def test_a_quoted_cell_over_several_lines_is_one_row() -> None:
    multi = f'{uuid_for(1)},"line one\nline two\r\nline three",basic\n'.encode()
    rows = [row(0), multi, row(2)]

    plan, chunks = split(HEADER + b"".join(rows), max_rows=1)

    assert chunks[1] == HEADER + multi
    assert [(c.first_row, c.last_row) for c in plan.chunks] == [(2, 2), (3, 3), (4, 4)]
    assert all(validate_bytes(chunk).ok for chunk in chunks)


def test_a_quote_inside_an_unquoted_cell_does_not_open_a_quoted_cell() -> None:
    """`tok"en` is a plain cell to the CSV reader (and the validator): counting quotes would
    take everything after it for one long record."""
    rows = [row(0, 'tok"en'), row(1), row(2)]

    plan, _ = split(HEADER + b"".join(rows), max_rows=1)

    assert [c.data_rows for c in plan.chunks] == [1, 1, 1]


def test_blank_lines_are_left_out_but_keep_their_row_numbers() -> None:
    """A spreadsheet shows a blank line as an empty row: the rows after it are numbered so."""
    data = HEADER + row(0) + b"\n" + row(1) + b"\r\n\n" + row(2) + b"\n"

    plan, chunks = split(data, max_rows=2)

    assert chunks == [HEADER + row(0) + row(1), HEADER + row(2)]
    assert [(c.first_row, c.last_row) for c in plan.chunks] == [(2, 4), (7, 7)]
    assert [(c.first_record, c.last_record) for c in plan.chunks] == [(1, 2), (3, 3)]
    assert len(plan.chunks[0].ranges) == 2
    assert all(validate_bytes(c).warning_count == 0 for c in chunks)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("start", [b"", BOM, b"\n", BOM + b"\n"])
def test_the_splitter_and_the_validator_number_rows_alike(newline: str, start: bytes) -> None:
    """Blank lines count as rows and a record over several lines is one: a row the validator
    warns about is the row the chunk holding it says it starts at."""
    nl = newline.encode()
    header = b"externalId,shareToken,applicantLevel" + nl
    multi = f'{uuid_for(1)},"=two{newline}lines",basic{newline}'.encode()
    data = (
        start
        + header
        + row(0, "=one", newline)
        + nl
        + multi
        + nl * 2
        + row(2, "+three", newline)
        + row(3, "@four", newline).rstrip(nl)
    )

    report = validate_whole(io.BytesIO(data))
    plan = split_stream(io.BytesIO(data), max_rows=1)

    warned = [p.sheet_row for p in report.problems if "formula" in p.message]
    split_rows = [(c.first_row, c.last_row) for c in plan.chunks]
    first = 2 + start.count(b"\n")
    assert warned == [first, first + 2, first + 5, first + 6]
    assert split_rows == [(row, row) for row in warned]
    assert plan.header_row == first - 1
    assert [p.row for p in report.problems if "formula" in p.message] == [1, 2, 3, 4]


def test_a_last_row_without_a_newline_stays_so() -> None:
    data = HEADER + row(0) + row(1).rstrip(b"\n")

    plan, chunks = split(data, max_rows=1)

    assert chunks[-1] == HEADER + row(1).rstrip(b"\n")
    assert all(validate_bytes(chunk).ok for chunk in chunks)
    assert plan.source_size == len(data)


@pytest.mark.parametrize("char", ["é", "€", "𝄞"])
def test_multi_byte_characters_at_a_chunk_boundary(char: str) -> None:
    """Rows end in a multi-byte character and the limit falls right after one: each chunk is
    whole UTF-8 and exactly at the limit."""
    rows = [f"{uuid_for(n)},{char * (n + 3)},{char}\n".encode() for n in range(4)]
    limit = len(HEADER) + len(rows[0]) + len(rows[1])

    plan, chunks = split(HEADER + b"".join(rows), max_bytes=limit)

    assert plan.chunks[0].size_bytes == limit
    assert b"".join(bodies(plan, chunks)) == b"".join(rows)
    for chunk in chunks:
        chunk.decode("utf-8")
        assert validate_bytes(chunk).ok


def test_a_row_too_large_for_any_chunk_names_its_spreadsheet_row() -> None:
    """The third data row, after a blank line and a two-line record, is row 6."""
    big = f"{uuid_for(9)},{'x' * 500},basic\n".encode()
    multi = f'{uuid_for(1)},"two\nlines",basic\n'.encode()
    data = HEADER + row(0) + b"\n" + multi + big + row(3)

    with pytest.raises(SplitError) as caught:
        split_stream(io.BytesIO(data), max_bytes=len(HEADER) + len(big) - 1)

    assert caught.value.row == 5
    assert str(caught.value).startswith("row 5 does not fit in one upload")
    # Longer than the limit on its own: found while reading it, without reading it all.
    with pytest.raises(SplitError, match=r"^row 5 does not fit") as caught:
        split_stream(io.BytesIO(data), max_bytes=200)
    assert caught.value.row == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no header row (the file is empty)"),
        (b"\n\r\n", "no header row (the file has only blank lines)"),
        (HEADER + b"\n", "no data rows after the header"),
        (HEADER + f'{uuid_for(0)},"never closed\n'.encode(), "row 2 is not valid CSV"),
        (b"x" * 300 + b"\n" + row(0), "the header row (row 1) is larger than the upload limit"),
    ],
)
def test_files_that_cannot_be_split(data: bytes, message: str) -> None:
    with pytest.raises(SplitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        split_stream(io.BytesIO(data), max_bytes=200)


def test_a_chunk_rebuilt_from_a_changed_file_is_refused() -> None:
    data = HEADER + b"".join(row(n) for n in range(4))
    plan = split_stream(io.BytesIO(data), max_rows=2)
    edited = data.replace(b"tok-3", b"tok-X")

    assert chunk_bytes(io.BytesIO(edited), plan, plan.chunks[0]) == HEADER + row(0) + row(1)
    with pytest.raises(SourceChanged, match="chunk 2 \\(rows 4-5\\) no longer matches"):
        chunk_bytes(io.BytesIO(edited), plan, plan.chunks[1])
    with pytest.raises(SourceChanged):
        chunk_bytes(io.BytesIO(data[:-10]), plan, plan.chunks[1])


class _GeneratedCsv(io.RawIOBase):
    """A CSV of `rows` rows made as it is read, never held whole."""

    def __init__(self, rows: int) -> None:
        self._pending = HEADER
        self._next = 0
        self._rows = rows

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and self._next < self._rows:
            self._pending = b"".join(row(n) for n in range(self._next, self._next + 100))
            self._next += 100
        taken, self._pending = self._pending[: len(buffer)], self._pending[len(buffer) :]
        buffer[: len(taken)] = taken
        return len(taken)


def test_a_file_much_larger_than_a_chunk_is_split_in_little_memory() -> None:
    rows = 25_000  # about 1.4 MB, split into chunks of at most 64 KB
    tracemalloc.start()
    try:
        plan = split_stream(io.BufferedReader(_GeneratedCsv(rows)), max_bytes=64 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert plan.data_rows == rows
    assert plan.source_size > 1_400_000
    assert peak < 400_000


def test_rows_of_a_few_megabytes_fill_chunks_up_to_10_mb() -> None:
    """The real limit: rows of 2-3.4 MB (cells under the CSV reader's field limit), sized so
    the first chunk is exactly 10 MB; every chunk is valid and the rows add up."""
    extra = [f"x{i}" for i in range(30)]
    header = ",".join(["externalId", "shareToken", *extra]).encode() + b"\r\n"

    def big_row(n: int, size: int) -> bytes:
        start = f"{uuid_for(n)},tok-{n}".encode()
        room = size - len(start) - len(extra) - 2
        cells = [b"a" * (room // len(extra))] * len(extra)
        cells[-1] += "€".encode() * ((room - sum(map(len, cells))) // 3)
        cells[-1] += b"b" * (room - sum(map(len, cells)))
        return b",".join([start, *cells]) + b"\r\n"

    third = (MAX_BYTES - len(header)) // 3
    sizes = [third, third, MAX_BYTES - len(header) - 2 * third, 2_200_000, 3_400_000]
    rows = [big_row(n, size) for n, size in enumerate(sizes)]
    assert [len(r) for r in rows] == sizes

    plan, chunks = split(header + b"".join(rows))

    assert [c.data_rows for c in plan.chunks] == [3, 2]
    assert plan.chunks[0].size_bytes == MAX_BYTES
    assert b"".join(bodies(plan, chunks)) == b"".join(rows)
    assert all(validate_bytes(chunk).ok for chunk in chunks)


# The property: any valid file, any limits.

_TEXT = st.lists(
    st.sampled_from(["a", "Z", "0", " ", "é", "€", "𝄞", ",", '"', "\n", "\r\n", ";"]), max_size=6
).map("".join)
_TOKEN = _TEXT.filter(lambda text: text.strip() != "")


@dataclass(frozen=True)
class _Source:
    data: bytes
    header: bytes
    rows: tuple[bytes, ...]
    """Each data row's bytes, as in the source."""
    row_numbers: tuple[int, ...]
    """Each data row's spreadsheet row."""


def _record(cells: Sequence[str], newline: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow(cells)
    return out.getvalue().encode()


@st.composite
def valid_files(draw: st.DrawFn) -> _Source:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    columns = draw(
        st.sampled_from([["externalId", "shareToken"], ["shareToken", "externalId", "note"]])
    )
    count = draw(st.integers(1, 12))
    ids = draw(st.lists(st.integers(0, 2**40), min_size=count, max_size=count, unique=True))
    leading_blank = draw(st.booleans())
    bom = BOM if draw(st.booleans()) else b""
    header = _record(columns, newline)
    data = bom + (newline.encode() if leading_blank else b"") + header
    number = 1 + leading_blank
    rows: list[bytes] = []
    numbers: list[int] = []
    for n in ids:
        cells = {
            "externalId": uuid_for(n),
            "shareToken": draw(_TOKEN) + "p" * draw(st.integers(0, 40)),
            "note": draw(_TEXT),
        }
        rows.append(_record([cells[c] for c in columns], newline))
        number += 1
        numbers.append(number)
        data += rows[-1]
        blanks = draw(st.integers(0, 2)) if draw(st.booleans()) else 0
        data += newline.encode() * blanks
        number += blanks
    if draw(st.booleans()) and not data.endswith(newline.encode() * 2):
        data = data[: -len(newline)]  # no newline at the end of the last row
        rows[-1] = rows[-1][: -len(newline)]
    return _Source(data, bom + header, tuple(rows), tuple(numbers))


@given(source=valid_files(), max_rows=st.integers(1, 5), slack=st.integers(-30, 200))
def test_any_valid_file_splits_into_valid_chunks_that_add_up(
    source: _Source, max_rows: int, slack: int
) -> None:
    """The byte limit leaves room for the longest row plus `slack` bytes (less when negative)."""
    source_report = validate_bytes(source.data)
    assert source_report.ok
    room = max(1, max(len(r) for r in source.rows) + slack)
    max_bytes = len(source.header) + room
    too_large = [n for r, n in zip(source.rows, source.row_numbers, strict=True) if len(r) > room]
    if too_large:
        with pytest.raises(SplitError) as caught:
            split_stream(io.BytesIO(source.data), max_bytes=max_bytes, max_rows=max_rows)
        assert caught.value.row == too_large[0]
        return

    plan, chunks = split(source.data, max_bytes=max_bytes, max_rows=max_rows)

    assert plan.source_sha256 == hashlib.sha256(source.data).hexdigest()
    assert plan.data_rows == len(source.rows)
    records = 0
    for index, (chunk, data) in enumerate(zip(plan.chunks, chunks, strict=True)):
        assert data.startswith(source.header)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (chunk.size_bytes, chunk.sha256)
        assert chunk.size_bytes <= max_bytes
        budget, fitting = max_bytes - len(source.header), 0
        for row in source.rows[records : records + max_rows]:
            if len(row) > budget:
                break
            budget -= len(row)
            fitting += 1
        assert chunk.data_rows == fitting, "each upload as full as the row and byte limits allow"
        report = validate_bytes(data)
        assert report.ok
        assert (report.data_rows, report.columns) == (chunk.data_rows, source_report.columns)
        assert (chunk.first_record, chunk.last_record) == (records + 1, records + chunk.data_rows)
        own = source.rows[records : records + chunk.data_rows]
        assert data[len(source.header) :] == b"".join(own)
        assert chunk.first_row == source.row_numbers[records]
        assert chunk.last_row == source.row_numbers[records + chunk.data_rows - 1]
        records += chunk.data_rows
        if index + 1 < len(plan.chunks):  # closed only when the next row would not fit
            following = len(source.rows[records])
            assert chunk.data_rows == max_rows or chunk.size_bytes + following > max_bytes
    assert records == len(source.rows)


@settings(max_examples=3)
@given(
    sizes=st.lists(st.integers(2_000_000, 3_500_000), min_size=4, max_size=6),
    char=st.sampled_from(["a", "é", "€", "𝄞"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_rows_near_the_real_limit_split_into_valid_chunks(
    sizes: list[int], char: str, newline: str
) -> None:
    """A handful of rows of 2-3.5 MB, built from repeated cells (each under the CSV reader's
    field limit): chunks within 10 MB, filled in order, valid, adding up to the source."""
    extra = [f"x{i}" for i in range(40)]
    header = _record(["externalId", "shareToken", *extra], newline)
    rows = []
    for n, size in enumerate(sizes):
        cell = char * (size // len(extra) // len(char.encode()))
        rows.append(_record([uuid_for(n), f"tok{n}", *[cell] * len(extra)], newline))
    data = header + b"".join(rows)

    plan, chunks = split(data)

    assert b"".join(bodies(plan, chunks)) == b"".join(rows)
    taken = 0
    for chunk, body in zip(plan.chunks, bodies(plan, chunks), strict=True):
        assert chunk.size_bytes <= MAX_BYTES
        assert validate_bytes(header + body).ok
        taken += chunk.data_rows
        if taken < len(rows):
            assert chunk.size_bytes + len(rows[taken]) > MAX_BYTES
