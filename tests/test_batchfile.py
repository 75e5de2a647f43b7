"""The upload CSV rules: one bad file per rule with its exact report, the edge cases, fuzzing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reap_tui import batchfile
from reap_tui.batchfile import (
    MAX_BYTES,
    MAX_DATA_ROWS,
    UnreadableFile,
    ValidationReport,
    validate_bytes,
    validate_file,
    validate_whole,
)

ID_1 = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
ID_2 = "0b1f3c52-7a4e-4d2b-9c61-2f8e5a9d0c33"
HEADER = "externalId,shareToken,applicantLevel,cardProcessorPublicToken\n"


def report_lines(report: ValidationReport) -> list[str]:
    """The report as the CLI prints it."""
    lines = [f"warning: {p}" if p.severity == "warning" else str(p) for p in report.problems]
    return [*lines, report.summary]


def uuid_for(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


def rows_csv(count: int, *, padding: int = 0) -> str:
    pad = "p" * padding
    body = "".join(f"{uuid_for(n)},_act-{n},basic-kyc,{pad}\n" for n in range(count))
    return HEADER + body


BAD_FILES = [
    pytest.param(
        b"", ["no header row (the file is empty)", "invalid: 1 error, 0 warnings"], id="empty"
    ),
    pytest.param(
        b"\n\r\n",
        [
            "warning: row 1: blank line skipped",
            "warning: row 2: blank line skipped",
            "no header row (the file has only blank lines)",
            "invalid: 1 error, 2 warnings",
        ],
        id="only-blank-lines",
    ),
    pytest.param(
        b"externalId,shareToken\n",
        ["no data rows after the header", "invalid: 1 error, 0 warnings"],
        id="no-data-rows",
    ),
    pytest.param(
        f"ExternalId,shareToken\n{ID_1},tok\n".encode(),
        [
            'header, column externalId: required column is missing (did you mean "ExternalId" '
            "in column 1?)",
            "invalid: 1 error, 0 warnings",
        ],
        id="required-column-case-variant",
    ),
    pytest.param(
        f"externalId, shareToken \n{ID_1},tok\n".encode(),
        [
            'header, column shareToken: required column is missing (did you mean " shareToken " '
            "in column 2?)",
            "invalid: 1 error, 0 warnings",
        ],
        id="required-column-whitespace-variant",
    ),
    pytest.param(
        f"externalId\n{ID_1}\n".encode(),
        ["header, column shareToken: required column is missing", "invalid: 1 error, 0 warnings"],
        id="required-column-missing",
    ),
    pytest.param(
        f"externalId,shareToken,note\n{ID_1},tok,hi\n".encode(),
        [
            "warning: header, column note: not an upload column",
            "valid: 1 data row, 71 bytes, 1 warning",
        ],
        id="unknown-column",
    ),
    pytest.param(
        f"externalId,shareToken,ApplicantLevel\n{ID_1},tok,basic\n".encode(),
        [
            "warning: header, column ApplicantLevel: not an upload column "
            '(did you mean "applicantLevel"?)',
            "valid: 1 data row, 84 bytes, 1 warning",
        ],
        id="optional-column-case-variant",
    ),
    pytest.param(
        f"externalId,shareToken,\n{ID_1},tok,\n".encode(),
        ["warning: header: column 3 has no name", "valid: 1 data row, 65 bytes, 1 warning"],
        id="unnamed-column",
    ),
    pytest.param(
        f"externalId,shareToken,shareToken\n{ID_1},tok,tok\n".encode(),
        [
            "header, column shareToken: the name is used by columns 2 and 3",
            "invalid: 1 error, 0 warnings",
        ],
        id="duplicate-column",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},tok\nabc,tok\n".encode(),
        ['row 3, column externalId: "abc" is not a UUID', "invalid: 1 error, 0 warnings"],
        id="not-a-uuid",
    ),
    pytest.param(
        f"externalId,shareToken\n {ID_1},tok\n".encode(),
        [
            f'row 2, column externalId: " {ID_1}" is not a UUID (spaces around it)',
            "invalid: 1 error, 0 warnings",
        ],
        id="uuid-with-spaces",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},a\n{ID_2},b\n{ID_1.upper()},c\n".encode(),
        [
            f'row 4, column externalId: "{ID_1.upper()}" is also in row 2',
            "invalid: 1 error, 0 warnings",
        ],
        id="duplicate-external-id",
    ),
    pytest.param(
        f"externalId,shareToken\n,tok\n{ID_1},  \n".encode(),
        [
            "row 2, column externalId: required cell is empty",
            "row 3, column shareToken: required cell is empty",
            "invalid: 2 errors, 0 warnings",
        ],
        id="empty-required-cells",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},tok,extra\n{ID_2}\n".encode(),
        [
            "row 2: 3 cells, the header has 2",
            "row 3: 1 cell, the header has 2",
            "invalid: 2 errors, 0 warnings",
        ],
        id="ragged-rows",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},a\n\n{ID_2},b\n".encode(),
        [
            "warning: row 3: blank line skipped",
            "valid: 2 data rows, 101 bytes, 1 warning",
        ],
        id="blank-line",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},a\n\nabc,b\n".encode(),
        [
            "warning: row 3: blank line skipped",
            'row 4, column externalId: "abc" is not a UUID',
            "invalid: 1 error, 1 warning",
        ],
        id="row-after-blank-line-counts-it-as-a-spreadsheet-does",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},caf\xe9\n".encode("latin-1"),
        [
            "row 2: invalid UTF-8 byte 0xE9 at byte offset 62 (save the file as UTF-8)",
            "invalid: 1 error, 0 warnings",
        ],
        id="latin-1-byte",
    ),
    pytest.param(
        "externalId,shareToken\n".encode("utf-16"),
        [
            "header: invalid UTF-8 byte 0xFF at byte offset 0 (the file looks like UTF-16)",
            'warning: header, column "��e\\x00x\\x00t\\x00e\\x00r\\x00n\\x00a\\x00l\\x00I\\x00d'
            '\\x00": not an upload column',
            'warning: header, column "\\x00s\\x00h\\x00a\\x00r\\x00e\\x00T\\x00o\\x00k\\x00e'
            '\\x00n\\x00": not an upload column',
            "header, column externalId: required column is missing",
            "header, column shareToken: required column is missing",
            "row 2: a NUL byte (0x00) at byte offset 45: no cell may hold one",
            "row 2: 1 cell, the header has 2",
            "invalid: 5 errors, 2 warnings",
        ],
        id="utf-16",
    ),
    pytest.param(
        f'externalId,shareToken\n{ID_1},"tok\n'.encode(),
        ["row 2: not valid CSV: a quoted cell is never closed", "invalid: 1 error, 0 warnings"],
        id="unclosed-quote",
    ),
    pytest.param(
        f'externalId,shareToken\n{ID_1},"to"k\n'.encode(),
        [
            'row 2: not valid CSV: a quote inside a cell must be doubled ("") and the whole cell '
            "quoted",
            "invalid: 1 error, 0 warnings",
        ],
        id="stray-quote",
    ),
    pytest.param(
        f"externalId,shareToken\r{ID_1},tok\r".encode(),
        [
            "header: not valid CSV: a line ends with a lone carriage return "
            "(save with LF or CRLF line endings)",
            "invalid: 1 error, 0 warnings",
        ],
        id="old-mac-line-endings",
    ),
    pytest.param(
        f"externalId,shareToken\n\x1b[31mred\u202e{'x' * 50},tok\n".encode(),
        [
            'row 2, column externalId: "\\x1b[31mred\\u202exxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" '
            "is not a UUID",
            "invalid: 1 error, 0 warnings",
        ],
        id="cell-escaped-and-cut",
    ),
]


FORMULA_FILES = [
    pytest.param(
        (
            "externalId,shareToken,applicantLevel\n"
            f'{ID_1},=1+1,"\tlevel"\n'
            f'{ID_2},+tok,"\rlevel"\n'
            f"{uuid_for(3)},-tok,@SUM(A1)\n"
        ).encode(),
        [
            'warning: row 2, column shareToken: "=1+1" starts with "=": a spreadsheet opening '
            "the file may run it as a formula",
            'warning: row 2, column applicantLevel: "\\tlevel" starts with a tab: a spreadsheet '
            "opening the file may run it as a formula",
            'warning: row 3, column shareToken: "+tok" starts with "+": a spreadsheet opening '
            "the file may run it as a formula",
            'warning: row 3, column applicantLevel: "\\rlevel" starts with a carriage return: a '
            "spreadsheet opening the file may run it as a formula",
            'warning: row 4, column shareToken: "-tok" starts with "-": a spreadsheet opening '
            "the file may run it as a formula",
            'warning: row 4, column applicantLevel: "@SUM(A1)" starts with "@": a spreadsheet '
            "opening the file may run it as a formula",
            "valid: 3 data rows, 190 bytes, 6 warnings",
        ],
        id="formula-cells-warn",
    ),
    pytest.param(
        f"externalId,shareToken\n{ID_1},to\x00ken\n".encode(),
        [
            "row 2: a NUL byte (0x00) at byte offset 61: no cell may hold one",
            "invalid: 1 error, 0 warnings",
        ],
        id="nul-byte",
    ),
]


@pytest.mark.parametrize(("data", "expected"), FORMULA_FILES)
def test_cells_a_spreadsheet_runs_and_nul_bytes(data: bytes, expected: list[str]) -> None:
    assert report_lines(validate_bytes(data)) == expected


def test_a_whole_file_past_the_row_limit_has_the_formula_and_nul_rules_too() -> None:
    """`validate_whole` (a file to be split) lifts only the limits of one upload."""
    rows = "".join(f"{uuid_for(n)},tok-{n}\n" for n in range(MAX_DATA_ROWS + 10))
    tail = f"{uuid_for(90_000)},=HYPERLINK()\n{uuid_for(90_001)},to\x00ken\n"
    data = f"externalId,shareToken\n{rows}{tail}".encode()

    report = validate_whole(io.BytesIO(data))

    assert report.data_rows == MAX_DATA_ROWS + 12
    offset = data.index(b"\x00")
    assert report_lines(report) == [
        'warning: row 5,012, column shareToken: "=HYPERLINK()" starts with "=": a spreadsheet '
        "opening the file may run it as a formula",
        f"row 5,013: a NUL byte (0x00) at byte offset {offset:,}: no cell may hold one",
        "invalid: 1 error, 1 warning",
    ]


def test_formula_cells_are_one_rule_with_and_n_more() -> None:
    data = "externalId,shareToken\n" + "".join(f"{uuid_for(n)},=x{n}\n" for n in range(25))
    report = validate_bytes(data.encode())
    assert report.ok and report.warning_count == 25
    assert report_lines(report)[-2:] == [
        "warning: and 5 more cells a spreadsheet would run as formulas",
        "valid: 25 data rows, 1 KB, 25 warnings",
    ]


@pytest.mark.parametrize(("data", "expected"), BAD_FILES)
def test_each_rule_reports_exact_lines(data: bytes, expected: list[str]) -> None:
    assert report_lines(validate_bytes(data)) == expected


def test_good_file() -> None:
    data = f"{HEADER}{ID_1},_act-1,basic-kyc-level,\n{ID_2},_act-2,,pk_123\n".encode()
    report = validate_bytes(data)
    assert report.ok
    assert report.problems == ()
    assert report.data_rows == 2
    assert report.size_bytes == len(data)
    assert report.columns == (
        "externalId",
        "shareToken",
        "applicantLevel",
        "cardProcessorPublicToken",
    )
    assert report.summary == "valid: 2 data rows, 175 bytes"


def test_bom_is_accepted_and_not_part_of_the_first_column() -> None:
    report = validate_bytes(f"\ufeffexternalId,shareToken\n{ID_1},tok\n".encode())
    assert report.ok
    assert report.problems == ()
    assert report.columns == ("externalId", "shareToken")


def test_crlf_line_endings() -> None:
    report = validate_bytes(f"externalId,shareToken\r\n{ID_1},tok\r\n{ID_2},tok\r\n".encode())
    assert report.ok
    assert report.problems == ()
    assert report.data_rows == 2


def test_quoted_cells_with_commas_quotes_and_newlines() -> None:
    data = (
        "externalId,shareToken,applicantLevel\r\n"
        f'{ID_1},"tok,en","level ""one""\r\nsecond line"\r\n'
        "abc,tok,x\r\n"
    ).encode()
    report = validate_bytes(data)
    assert report.data_rows == 2
    # The second data row is row 3 of a spreadsheet, but starts on line 4: the first row's
    # quoted cell spans two lines.
    assert report_lines(report) == [
        'row 3 (line 4), column externalId: "abc" is not a UUID',
        "invalid: 1 error, 0 warnings",
    ]


def test_five_thousand_rows_is_the_limit() -> None:
    assert validate_bytes(rows_csv(MAX_DATA_ROWS).encode()).ok


def test_five_thousand_and_one_rows_counts_them_all() -> None:
    report = validate_bytes(rows_csv(MAX_DATA_ROWS + 1).encode())
    assert report.data_rows == 5_001
    assert report_lines(report) == [
        "5,001 data rows; the upload limit is 5,000",
        "invalid: 1 error, 0 warnings",
    ]


def test_problems_are_capped_per_rule_but_all_counted() -> None:
    data = "externalId,shareToken\n" + "".join(f"bad-{n},tok\n" for n in range(1, 26))
    lines = report_lines(validate_bytes(data.encode()))
    assert lines[0] == 'row 2, column externalId: "bad-1" is not a UUID'
    assert lines[19] == 'row 21, column externalId: "bad-20" is not a UUID'
    assert lines[20:] == [
        "and 5 more externalId cells that are not UUIDs",
        "invalid: 25 errors, 0 warnings",
    ]


def test_exactly_ten_megabytes_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "full.csv"
    text = rows_csv(4_000, padding=2_000)
    path.write_text(text + "x" * (MAX_BYTES - len(text) - 1) + "\n")
    report = validate_file(path)
    assert report.size_bytes == MAX_BYTES
    assert report.data_rows == 4_001


def test_over_ten_megabytes_is_reported_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse, and all NUL bytes: reading it would find problems
    report = validate_file(path)
    assert report.data_rows is None
    assert report_lines(report) == [
        "file is 10.0 MB (10,485,761 bytes); the upload limit is 10 MB (10,485,760 bytes)",
        "invalid: 1 error, 0 warnings",
    ]


def test_a_stream_past_ten_megabytes_stops_being_read() -> None:
    # A file that grows while it is read (its size said less than 10 MB when opened).
    stream = io.BytesIO(rows_csv(10).encode() + b"x" * MAX_BYTES)
    report = batchfile._validate_stream(stream)
    assert stream.tell() == MAX_BYTES + 1
    assert report.problems[-1].message == (
        "file is 10.0 MB (10,485,761 bytes); the upload limit is 10 MB (10,485,760 bytes)"
    )
    assert not report.ok


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"cannot read .*nope\.csv: No such file"):
        validate_file(tmp_path / "nope.csv")


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="it is a directory"):
        validate_file(tmp_path)


def test_permission_denied_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.csv"
    path.write_text("externalId,shareToken\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Patched rather than chmod-ed: the tests may run as root, who reads any file.
    monkeypatch.setattr(batchfile, "open_regular", denied)
    with pytest.raises(UnreadableFile, match=r"cannot read .*secret\.csv: Permission denied"):
        validate_file(path)


def assert_printable(report: ValidationReport) -> None:
    for problem in report.problems:
        assert str(problem).isprintable(), problem
    assert report.summary.isprintable()


# Bytes that matter to the rules, so generated files reach the header and row checks.
CSV_PIECES = st.sampled_from(
    [
        b",",
        b'"',
        b"\n",
        b"\r\n",
        b"\r",
        b"\xef\xbb\xbf",
        b"\xff",
        b"\xc3",
        b"\x00",
        b" ",
        b"externalId",
        b"shareToken",
        b"ExternalId",
        ID_1.encode(),
        b"tok",
        b"\xe2\x80\xae",
    ]
)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2_000))
def test_arbitrary_bytes_give_a_printable_report(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "any.csv"
    path.write_bytes(data)
    report = validate_file(path)
    assert report.size_bytes == len(data)
    assert_printable(report)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(CSV_PIECES, max_size=80))
def test_csv_like_bytes_give_a_printable_report(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    report = validate_bytes(data)
    assert report.size_bytes == len(data)
    assert report.ok == (report.error_count == 0)
    assert_printable(report)
