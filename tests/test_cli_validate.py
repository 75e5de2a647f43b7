"""`reap-tui validate FILE` as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ID_1 = "784d4045-c900-4050-aad6-8fe4c8d2fb16"


def validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reap_tui", "validate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_valid_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text(f"externalId,shareToken,note\n{ID_1},tok,hi\n")
    result = validate(path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "warning: header, column note: not an upload column",
        "valid: 1 data row, 71 bytes, 1 warning",
    ]
    assert result.stderr == ""


def test_invalid_file_exits_4_with_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("externalId,shareToken\nabc,\n")
    result = validate(path)
    assert result.returncode == 4
    assert result.stdout.splitlines() == [
        'row 2, column externalId: "abc" is not a UUID',
        "row 2, column shareToken: required cell is empty",
        "invalid: 2 errors, 0 warnings",
    ]


def test_json_report_is_one_object(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("externalId,shareToken\nabc,tok\n")
    result = validate(path, "--json")
    assert result.returncode == 4
    assert json.loads(result.stdout) == {
        "ok": False,
        "summary": "invalid: 1 error, 0 warnings",
        "size_bytes": 30,
        "data_rows": 1,
        "columns": ["externalId", "shareToken"],
        "errors": 1,
        "warnings": 0,
        "problems": [
            {
                "severity": "error",
                "row": 2,
                "data_row": 1,
                "header": False,
                "line": 2,
                "column": "externalId",
                "message": '"abc" is not a UUID',
            }
        ],
    }


def test_missing_file_exits_2_without_traceback(tmp_path: Path) -> None:
    result = validate(tmp_path / "nope.csv")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"reap-tui: cannot read {tmp_path / 'nope.csv'}: No such file or directory"
    )


def test_directory_exits_2(tmp_path: Path) -> None:
    result = validate(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"reap-tui: cannot read {tmp_path}: it is a directory, not a regular file"
    )


def test_an_unreadable_path_is_printed_with_control_characters_replaced(tmp_path: Path) -> None:
    result = validate(tmp_path / "evil\x1b[2J\x07.csv")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"reap-tui: cannot read {tmp_path / 'evil␛[2J␇.csv'}: No such file or directory"
    )
