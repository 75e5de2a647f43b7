"""`add`, `remove`, `list` and `import` as a user runs them, with a temp home."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import filelock

from .cli_support import run_cli

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
C = "99999999-8888-4777-8666-555555555555"
SECRET = "rk_live_do_not_leak_5f9e2a7c"


def _watchlist(home: Path) -> Path:
    return home / ".local" / "share" / "reap-tui" / "watchlist.toml"


def _listed(home: Path, *options: str) -> list[dict[str, object]]:
    result = run_cli(home, "list", "--json", *options)
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, object]] = json.loads(result.stdout)["entries"]
    return entries


def test_add_records_the_environment_and_a_duplicate_changes_nothing(tmp_path: Path) -> None:
    first = run_cli(tmp_path, "add", A.upper(), "--label", "March", "--env", "production")
    assert first.returncode == 0, first.stderr
    before = _watchlist(tmp_path).read_bytes()

    again = run_cli(tmp_path, "add", A, "--label", "other")
    assert again.returncode == 0
    assert "already in the watch list" in again.stdout
    assert _watchlist(tmp_path).read_bytes() == before

    [entry] = _listed(tmp_path)
    assert entry["batchId"] == A and entry["label"] == "March"
    assert entry["environment"] == "production"
    assert entry["baseUrl"] == "https://compliance.api.reap.global"
    assert entry["source"] == "manual" and entry["lastKnown"] is None


def test_add_under_a_loopback_base_url(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "--base-url", "http://127.0.0.1:8765", "add", A).returncode == 0
    [entry] = _listed(tmp_path)
    assert (entry["environment"], entry["baseUrl"]) == ("custom", "http://127.0.0.1:8765")


def test_add_refuses_an_invalid_id_or_a_plain_http_remote_host(tmp_path: Path) -> None:
    bad_id = run_cli(tmp_path, "add", "784d4045")
    assert bad_id.returncode == 2 and "not a UUID" in bad_id.stderr
    plain_http = run_cli(tmp_path, "add", A, "--base-url", "http://example.com")
    assert plain_http.returncode == 2 and "plain http://" in plain_http.stderr
    assert not _watchlist(tmp_path).exists()


def test_remove_exits_6_when_the_batch_is_not_watched(tmp_path: Path) -> None:
    run_cli(tmp_path, "add", A)
    assert run_cli(tmp_path, "remove", A).returncode == 0
    missing = run_cli(tmp_path, "remove", A)
    assert missing.returncode == 6 and "not in the watch list" in missing.stderr
    assert _listed(tmp_path) == []


def test_list_prints_labels_with_control_characters_replaced(tmp_path: Path) -> None:
    run_cli(tmp_path, "add", A, "--label", "evil\x1b[2J\x07label")
    result = run_cli(tmp_path, "list")
    assert result.returncode == 0
    assert A in result.stdout and "evil" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_list_shows_the_last_known_state(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    path.write_text(
        "schema_version = 1\n[[batch]]\n"
        f'batch_id = "{A}"\nsource = "upload"\nenvironment = "sandbox"\n'
        'base_url = "https://sandbox-compliance.api.reap.global"\n'
        "added_at = 2025-10-08T11:40:00Z\n"
        '[batch.snapshot]\nphase = "completed"\nstatus = "completed"\n'
        "total_records = 19\nprocessed_records = 19\nfailed_records = 2\n"
        "successful_records = 17\ncompleted_at = 2025-10-08T11:52:00Z\n"
        "checked_at = 2025-10-08T11:52:30Z\n"
    )
    text = run_cli(tmp_path, "list", "--watchlist", str(path), "--config", str(path) + ".none")
    assert text.returncode == 2  # a missing --config file is a usage error
    text = run_cli(tmp_path, "list", "--watchlist", str(path))
    assert "completed (completed)" in text.stdout and "19/19 records, 2 failed" in text.stdout
    [entry] = _listed(tmp_path, "--watchlist", str(path))
    assert entry["lastKnown"] == {
        "phase": "completed",
        "status": "completed",
        "totalRecords": 19,
        "processedRecords": 19,
        "failedRecords": 2,
        "successfulRecords": 17,
        "createdAt": None,
        "updatedAt": None,
        "startedAt": None,
        "completedAt": "2025-10-08T11:52:00Z",
        "checkedAt": "2025-10-08T11:52:30Z",
        "checksMade": None,
        "stopReason": None,
        "failure": None,
        "summaryErrors": None,
    }


def test_import_adds_the_good_lines_and_reports_the_bad_ones_by_number(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# batches for March\n{A}\n\nnot-an-id\n  {B}  \n{A}\n784d\x1b[31m\n")
    result = run_cli(tmp_path, "import", str(ids))
    assert result.returncode == 4
    assert "line 4:" in result.stderr and "line 7:" in result.stderr
    assert "\x1b" not in result.stderr
    assert "added 2, already watched 1, bad lines 2" in result.stdout
    assert [e["batchId"] for e in _listed(tmp_path)] == [A, B]


def test_import_reads_a_csv_with_a_batch_id_column(tmp_path: Path) -> None:
    ids = tmp_path / "batches.csv"
    ids.write_text(f'name,batchId\n"first, really",{A}\nsecond,{B}\nthird,{C}\n')
    result = run_cli(tmp_path, "import", str(ids), "--env", "staging")
    assert result.returncode == 0, result.stderr
    listed = _listed(tmp_path)
    assert [e["batchId"] for e in listed] == [A, B, C]
    assert {e["environment"] for e in listed} == {"staging"}


def test_import_exits_2_for_an_unreadable_file(tmp_path: Path) -> None:
    no_column = tmp_path / "no_column.csv"
    no_column.write_text(f"name,id\nx,{A}\n")
    not_utf8 = tmp_path / "latin1.txt"
    not_utf8.write_bytes(f"{A}\ncaf\xe9\n".encode("latin-1"))
    only_bad = tmp_path / "only_bad.txt"
    only_bad.write_text("nope\n")
    for path, says in (
        (tmp_path / "missing.txt", "No such file"),
        (no_column, "no batchId column"),
        (not_utf8, "line 2: not UTF-8"),
        (only_bad, "no valid batch ids"),
    ):
        result = run_cli(tmp_path, "import", str(path))
        assert result.returncode == 2, path
        assert says in result.stderr
    assert not _watchlist(tmp_path).exists()


def test_no_file_the_program_writes_contains_the_api_key(tmp_path: Path) -> None:
    ids = tmp_path / "input" / "ids.txt"
    ids.parent.mkdir()
    ids.write_text(f"{B}\n{C}\n")
    commands = [
        ("add", A, "--label", "session"),
        ("list",),
        ("list", "--json"),
        ("import", str(ids)),
        ("--env", "production", "add", "22222222-2222-4333-8444-555555555555"),
        ("remove", B),
        ("list",),
    ]
    for command in commands:
        result = run_cli(tmp_path, *command, REAP_API_KEY=SECRET)
        assert result.returncode == 0, (command, result.stderr)
        assert SECRET not in result.stdout + result.stderr

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != ids]
    assert _watchlist(tmp_path) in written
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path


def _changes(home: Path, watchlist: Path) -> list[tuple[str, ...]]:
    """An `add`, a `remove` and an `import`: each one writes the watch list."""
    ids = home / "ids.txt"
    ids.write_text(f"{B}\n{C}\n")
    where = ("--watchlist", str(watchlist))
    return [("add", A, *where), ("remove", A, *where), ("import", str(ids), *where)]


def test_changes_exit_2_while_another_program_holds_the_lock(tmp_path: Path) -> None:
    watchlist = tmp_path / "watchlist.toml"
    assert run_cli(tmp_path, "add", A, "--watchlist", str(watchlist)).returncode == 0
    before = watchlist.read_bytes()
    lock_file = watchlist.with_name("watchlist.toml.lock")
    with filelock.FileLock(lock_file), ThreadPoolExecutor() as pool:  # another reap-tui
        results = list(
            pool.map(lambda args: run_cli(tmp_path, *args), _changes(tmp_path, watchlist))
        )
    for result in results:
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "another reap-tui" in result.stderr and str(lock_file) in result.stderr
        assert "--reset-watchlist" not in result.stderr, "the file is fine: do not reset it"
    assert watchlist.read_bytes() == before


def test_changes_exit_2_when_the_watch_list_folder_cannot_be_created(tmp_path: Path) -> None:
    folder = Path("/proc") / f"reap-tui-{tmp_path.name}"  # no one, not even root, can mkdir here
    for command in _changes(tmp_path, folder / "watchlist.toml"):
        result = run_cli(tmp_path, *command)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"folder {folder} cannot be created" in result.stderr


def test_fields_read_from_the_file_are_printed_with_control_characters_replaced(
    tmp_path: Path,
) -> None:
    path = tmp_path / "watchlist.toml"
    path.write_text(
        "schema_version = 1\n[[batch]]\n"
        f'batch_id = "{A}"\nsource = "manual"\nenvironment = "prod\\u001b[2J\\u0007"\n'
        'base_url = "https://compliance.api.reap.global"\nadded_at = 2025-10-08T11:40:00Z\n'
    )
    listed = run_cli(tmp_path, "list", "--watchlist", str(path))
    again = run_cli(tmp_path, "add", A, "--watchlist", str(path))
    for result in (listed, again):
        assert result.returncode == 0, result.stderr
        assert "prod␛[2J␇" in result.stdout
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
