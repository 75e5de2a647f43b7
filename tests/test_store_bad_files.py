"""A watch-list file that cannot be read is never overwritten, and the reader is told why."""

from __future__ import annotations

from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.store import WatchList, WatchListError

from .cli_support import run_cli
from .conftest import START

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
SANDBOX = {"environment": "sandbox", "base_url": "https://sandbox-compliance.api.reap.global"}


def _good_file(path: Path) -> bytes:
    watchlist = WatchList.open(path, FakeClock(START))
    watchlist.add(A, label="first", **SANDBOX)
    watchlist.add(B, label="second", **SANDBOX)
    return path.read_bytes()


def _truncated(path: Path) -> bytes:
    data = _good_file(path)
    return data[: data.rindex(B.encode()) + 10]  # cut inside the second batch id


def _wrong_type(path: Path) -> bytes:
    return _good_file(path).replace(b'label = "second"', b"label = 7")


# kind -> (bytes, or a function making them from a good file; what the message says; where)
BAD_FILES = {
    "empty": (b"", "the file is empty", None),
    "truncated": (_truncated, "not valid TOML", "line 13, the end of the file"),
    "non-UTF-8": (b"schema_version = 1\n# caf\xe9\n", "not UTF-8", "line 2, byte 6"),
    "NUL-filled": (b"\x00" * 4096, "all NUL bytes (4096 bytes)", None),
    "NUL bytes inside": (b"schema_version = 1\n\x00\x00\x00\n", "NUL bytes", "line 2, byte 1"),
    "invalid TOML": (b"schema_version = 1\n[[batch]\n", "not valid TOML", "line 2"),
    "wrong type": (_wrong_type, "expected a string, got the number 7", "field label"),
    "unknown schema version": (
        b"schema_version = 2\n",
        "schema_version = 2 is not supported",
        "field schema_version",
    ),
    "no schema version": (b'[[batch]]\nbatch_id = "x"\n', "schema_version is missing", None),
}


@pytest.fixture(params=list(BAD_FILES))
def bad_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, bytes, str, str | None]:
    content, problem, location = BAD_FILES[request.param]
    path = tmp_path / "lists" / "watchlist.toml"
    path.parent.mkdir()
    data = content(path) if callable(content) else content
    path.write_bytes(data)
    return path, data, problem, location


def test_the_error_names_the_file_the_place_the_problem_and_the_backup(
    bad_file: tuple[Path, bytes, str, str | None],
) -> None:
    path, data, problem, location = bad_file
    with pytest.raises(WatchListError) as caught:
        WatchList.open(path, FakeClock(START))
    message = str(caught.value)
    assert str(path) in message
    assert problem in message
    if location:
        assert location in message
    assert f"{path}.bak" in message
    assert "--reset-watchlist" in message
    assert path.read_bytes() == data


def test_the_cli_exits_2_and_changes_nothing(
    bad_file: tuple[Path, bytes, str, str | None], tmp_path: Path
) -> None:
    path, data, problem, _ = bad_file
    listed = run_cli(tmp_path, "list", "--watchlist", str(path))
    added = run_cli(
        tmp_path, "add", "22222222-2222-4333-8444-555555555555", "--watchlist", str(path)
    )
    for result in (listed, added):
        assert result.returncode == 2
        assert problem in result.stderr and str(path) in result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == data


def test_reset_watchlist_moves_the_bad_file_aside_and_says_where(
    bad_file: tuple[Path, bytes, str, str | None], tmp_path: Path
) -> None:
    path, data, _, _ = bad_file
    result = run_cli(tmp_path, "--reset-watchlist", "list", "--watchlist", str(path))
    assert result.returncode == 0, result.stderr
    [moved] = path.parent.glob("watchlist.toml.corrupt-*")
    assert moved.read_bytes() == data
    assert str(moved) in result.stderr
    assert not path.exists()
    assert "is empty" in result.stdout


def test_reset_watchlist_leaves_a_good_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    data = _good_file(path)
    result = run_cli(tmp_path, "list", "--reset-watchlist", "--watchlist", str(path))
    assert result.returncode == 0
    assert A in result.stdout and B in result.stdout
    assert path.read_bytes() == data
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_the_message_points_at_an_existing_backup(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    _good_file(path)
    path.write_bytes(b"")
    with pytest.raises(
        WatchListError, match=r"The previous good version is .*watchlist\.toml\.bak"
    ):
        WatchList.open(path, FakeClock(START))
    assert WatchList.open(path.with_name("watchlist.toml.bak"), FakeClock(START)).entries
