"""`reap-tui upload FILE --import NAME` as a user drives it: subprocesses of the real command
against the sandbox over loopback, interrupted by SIGKILL, Ctrl-C and timeouts, and checked
against what the sandbox received."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reap_tui.batchfile import MAX_BYTES, MAX_DATA_ROWS, format_size
from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer
from reap_tui.sandbox.server import UploadRecord
from reap_tui.store import WatchList
from reap_tui.store.imports import Import, find
from reap_tui.store.saved_bytes import SavedBytes

from .cli_support import ROOT, run_cli, user_env

KEY = "sandbox-import-upload-key-0123456789"
HEADER = b"externalId,shareToken,applicantLevel\n"
ROWS = 23_456


def source_rows(count: int = ROWS, token: str = "tok") -> list[bytes]:
    return [
        f"00000000-0000-4000-8000-{n:012x},{token}-{n}-ü,basic-kyc-level\n".encode()
        for n in range(count)
    ]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "march.csv"
    path.write_bytes(HEADER + b"".join(source_rows()))
    return path


def serve(faults: dict[int, Fault] | None = None) -> SandboxServer:
    server = SandboxServer(SystemClock(), api_key=KEY, upload_fault_plan=FaultPlan(faults or {}))
    server.start()
    return server


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    running = serve()
    yield running
    running.stop()


@pytest.fixture
def held_third() -> Iterator[SandboxServer]:
    """A sandbox that makes the third upload's batch but holds its answer for 30 s."""
    running = serve({3: Fault.slow(30)})
    yield running
    running.stop()


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    env.setdefault("REAP_API_KEY", KEY)
    return run_cli(home, *args, **env)


def start(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reap_tui", *args],
        cwd=ROOT,
        env=user_env(home, REAP_API_KEY=KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool]) -> None:
    """Wait for something the subprocess does; the bound only stops a broken run hanging."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the upload never got there"
        time.sleep(0.02)


def data_folder(home: Path) -> Path:
    return home / ".local/share/reap-tui"


def saved(home: Path) -> WatchList:
    return WatchList.open(data_folder(home) / "watchlist.toml", SystemClock())


def the_import(home: Path, server: SandboxServer, name: str = "March") -> Import:
    found = find(saved(home).imports, name, server.base_url)
    assert found is not None
    return found


def distinct(uploads: list[UploadRecord]) -> list[UploadRecord]:
    """One record per idempotency key, in the order Reap first received each."""
    seen: dict[str | None, UploadRecord] = {}
    for record in uploads:
        seen.setdefault(record.idempotency_key, record)
    return list(seen.values())


def assert_chunks_add_up_to(uploads: list[UploadRecord], source: bytes) -> None:
    """Each upload within both limits, the header first; their rows, in order, are the
    source's: none lost, none repeated."""
    bodies = []
    for record in uploads:
        assert record.file_bytes is not None and record.file_bytes.startswith(HEADER)
        assert len(record.file_bytes) <= MAX_BYTES
        assert record.row_count is not None and record.row_count <= MAX_DATA_ROWS
        bodies.append(record.file_bytes[len(HEADER) :])
    assert b"".join(bodies) == source[len(HEADER) :]


def test_a_large_file_uploads_as_five_chunks_with_every_row_once_in_order(
    home: Path, big: Path, server: SandboxServer
) -> None:
    done = cli(home, "upload", str(big), "--import", "March", "--base-url", server.base_url)

    assert done.returncode == 0, done.stderr
    assert len(server.uploads) == 5
    assert_chunks_add_up_to(server.uploads, big.read_bytes())
    assert [r.row_count for r in server.uploads] == [5_000, 5_000, 5_000, 5_000, 3_456]
    assert [r.filename for r in server.uploads] == [f"march-{n}-of-5.csv" for n in range(1, 6)]
    assert done.stdout.split() == server.batch_ids
    imported = the_import(home, server)
    assert list(imported.batch_ids) == server.batch_ids
    assert [(c.first_row, c.last_row) for c in imported.chunks][-1] == (20_002, 23_457)
    watched = saved(home)
    assert [watched.get(b).label for b in server.batch_ids] == [  # type: ignore[union-attr]
        f"March {n}/5" for n in range(1, 6)
    ]
    assert list((data_folder(home) / "uploads").iterdir()) == [], "bytes kept after the upload"
    assert "all 5 chunks uploaded" in done.stderr

    again = cli(home, "upload", str(big), "--import", "march", "--base-url", server.base_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == server.batch_ids
    assert "uploaded from this file already" in again.stderr
    assert len(server.uploads) == 5


@pytest.mark.parametrize("interrupt", [signal.SIGKILL, signal.SIGINT])
def test_killed_after_chunk_2_the_same_command_resumes_without_a_sixth_batch(
    home: Path, big: Path, held_third: SandboxServer, interrupt: signal.Signals
) -> None:
    server = held_third
    command = ("upload", str(big), "--import", "March", "--base-url", server.base_url)
    first = start(home, *command)
    wait_until(lambda: len(server.uploads) == 3)  # chunk 3 is out, its answer held
    before = the_import(home, server)
    assert len(before.batch_ids) == 2, "chunk 2's batch is recorded before chunk 3 is sent"
    uploads = data_folder(home) / "uploads"
    assert stat.S_IMODE(uploads.stat().st_mode) == 0o700
    kept = sorted(uploads.iterdir())
    assert len(kept) == 3 and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)
    first.send_signal(interrupt)
    out, err = first.communicate(timeout=60)
    if interrupt is signal.SIGINT:
        assert first.returncode == 130
        assert "run the same command again to resume it" in err
        assert "Traceback" not in err
    assert out.split() == list(before.batch_ids)

    again = cli(home, *command)

    assert again.returncode == 0, again.stderr
    assert "again, with the same idempotency key and bytes" in again.stderr
    assert len(server.batch_ids) == 5
    imported = the_import(home, server)
    assert list(imported.batch_ids) == server.batch_ids
    assert again.stdout.split() == server.batch_ids
    held, resent = server.uploads[2], server.uploads[3]
    assert resent.idempotency_key == held.idempotency_key and resent.replayed
    assert resent.file_bytes == held.file_bytes and resent.batch_id == held.batch_id
    assert_chunks_add_up_to(distinct(server.uploads), big.read_bytes())
    assert list(uploads.iterdir()) == []


def test_a_timeout_on_chunk_3_then_resume_sends_it_again_identically(
    home: Path, big: Path, held_third: SandboxServer
) -> None:
    server = held_third
    first = cli(
        home,
        "upload",
        str(big),
        "--import",
        "March",
        "--base-url",
        server.base_url,
        "--upload-timeout",
        "0.5",
    )
    assert first.returncode == 8
    assert "stopped at chunk 3" in first.stderr and "timed out" in first.stderr
    assert "Chunk 3 may have reached Reap" in first.stderr
    assert len(first.stdout.split()) == 2

    resumed = cli(home, "upload", "--resume", "--base-url", server.base_url)

    assert resumed.returncode == 0, resumed.stderr
    assert "unfinished: the import 'March', 2 of 5 chunks" in resumed.stderr
    held, resent = server.uploads[2], server.uploads[3]
    assert (resent.idempotency_key, resent.file_bytes) == (held.idempotency_key, held.file_bytes)
    assert len(server.batch_ids) == 5
    assert resumed.stdout.split() == server.batch_ids[2:]
    assert list(the_import(home, server).batch_ids) == server.batch_ids
    assert_chunks_add_up_to(distinct(server.uploads), big.read_bytes())
    nothing_left = cli(home, "upload", "--resume", "--base-url", server.base_url)
    assert nothing_left.returncode == 0 and "nothing to resume" in nothing_left.stderr


def test_a_file_edited_between_runs_is_refused_and_the_old_plan_finished(
    home: Path, big: Path, held_third: SandboxServer
) -> None:
    server = held_third
    original = big.read_bytes()
    command = ("upload", str(big), "--import", "March", "--base-url", server.base_url)
    first = start(home, *command)
    wait_until(lambda: len(server.uploads) == 3)
    first.kill()
    first.communicate(timeout=60)
    big.write_bytes(HEADER + b"".join(source_rows(token="edited")))

    again = cli(home, *command)

    assert again.returncode == 2
    assert "has changed since the import 'March' was planned" in again.stderr
    assert "its new content is not uploaded" in again.stderr
    assert "give it a new import name" in again.stderr
    assert again.stdout == ""
    assert all(b"edited" not in (r.file_bytes or b"") for r in server.uploads)
    assert_chunks_add_up_to(distinct(server.uploads), original)
    assert len(server.batch_ids) == 5
    assert list(the_import(home, server).batch_ids) == server.batch_ids

    renamed = cli(home, "upload", str(big), "--import", "March v2", "--base-url", server.base_url)
    assert renamed.returncode == 0, renamed.stderr
    assert_chunks_add_up_to(distinct(server.uploads)[5:], big.read_bytes())


def test_a_name_used_for_another_file_is_refused(
    home: Path, big: Path, tmp_path: Path, server: SandboxServer
) -> None:
    made = cli(home, "upload", str(big), "--import", "March", "--base-url", server.base_url)
    assert made.returncode == 0, made.stderr
    other = tmp_path / "april.csv"
    other.write_bytes(HEADER + b"".join(source_rows(10, token="april")))
    before = len(server.uploads)

    refused = cli(home, "upload", str(other), "--import", "MARCH", "--base-url", server.base_url)

    assert refused.returncode == 2
    assert "the name 'March' is already used by an import" in refused.stderr
    assert str(big) in refused.stderr and "choose another name" in refused.stderr
    assert len(server.uploads) == before


def test_dry_run_prints_the_plan_and_sends_and_writes_nothing(
    home: Path, big: Path, server: SandboxServer
) -> None:
    done = cli(
        home,
        "upload",
        str(big),
        "--import",
        "March",
        "--dry-run",
        "--base-url",
        server.base_url,
        REAP_API_KEY="",
    )

    rows = source_rows()
    sizes = [
        format_size(len(HEADER) + sum(map(len, rows[start : start + 5_000])))
        for start in range(0, ROWS, 5_000)
    ]
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"march.csv (23,456 data rows, {format_size(big.stat().st_size)}) as the import "
        "'March': 5 uploads",
        f"  chunk 1/5: rows 2-5,001 (5,000 rows, {sizes[0]})",
        f"  chunk 2/5: rows 5,002-10,001 (5,000 rows, {sizes[1]})",
        f"  chunk 3/5: rows 10,002-15,001 (5,000 rows, {sizes[2]})",
        f"  chunk 4/5: rows 15,002-20,001 (5,000 rows, {sizes[3]})",
        f"  chunk 5/5: rows 20,002-23,457 (3,456 rows, {sizes[4]})",
    ]
    assert "nothing was sent and nothing was saved" in done.stderr
    assert server.request_log == []
    assert not (home / ".local").exists()


@pytest.mark.parametrize("options", [(), ("--import", "March"), ("--import", "March", "--dry-run")])
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_fifo_or_a_directory_is_a_usage_error_at_once(
    home: Path, tmp_path: Path, server: SandboxServer, kind: str, options: tuple[str, ...]
) -> None:
    path = tmp_path / "batch.csv"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()

    done = cli(home, "upload", str(path), *options, "--base-url", server.base_url)

    assert done.returncode == 2
    expected = "a named pipe (FIFO)" if kind == "fifo" else "a directory"
    assert f"it is {expected}, not a regular file" in done.stderr
    assert server.request_log == []


def test_list_json_shows_the_import_and_each_batch_in_it(
    home: Path, big: Path, server: SandboxServer
) -> None:
    made = cli(home, "upload", str(big), "--import", "March", "--base-url", server.base_url)
    assert made.returncode == 0, made.stderr
    listed = json.loads(cli(home, "list", "--json").stdout)

    assert {entry["import"] for entry in listed["entries"]} == {"March"}
    (imported,) = listed["imports"]
    assert imported["name"] == "March" and imported["baseUrl"] == server.base_url
    assert imported["sourceFile"] == str(big) and len(imported["sourceSha256"]) == 64
    assert imported["batchIds"] == server.batch_ids
    assert [c["batchId"] for c in imported["chunks"]] == server.batch_ids
    assert imported["chunks"][1] == {
        "number": 2,
        "firstRow": 5_002,
        "lastRow": 10_001,
        "rows": 5_000,
        "sizeBytes": len(server.uploads[1].file_bytes or b""),
        "batchId": server.batch_ids[1],
    }
    assert (imported["finished"], imported["action"]) == (True, None)
    assert listed["pendingUploads"] == []


def stop_at_chunk_3(
    home: Path, big: Path, server: SandboxServer
) -> subprocess.CompletedProcess[str]:
    """Upload with a short timeout against a sandbox that holds chunk 3's answer."""
    done = cli(
        home,
        "upload",
        str(big),
        "--import",
        "March",
        "--base-url",
        server.base_url,
        "--upload-timeout",
        "0.5",
    )
    assert done.returncode == 8, done.stderr
    return done


def test_list_says_an_unfinished_import_needs_resume(
    home: Path, big: Path, held_third: SandboxServer
) -> None:
    stop_at_chunk_3(home, big, held_third)

    text = cli(home, "list").stdout
    (imported,) = json.loads(cli(home, "list", "--json").stdout)["imports"]

    assert "import 'March' [custom] from " in text and "2 of 5 chunks uploaded" in text
    assert "  chunk 3/5, rows 10,002-15,001: not uploaded yet" in text
    resume = f"run reap-tui upload --resume --base-url {held_third.base_url}"
    assert f"  unfinished: {resume}" in text
    assert (imported["finished"], imported["action"]) == (False, resume)
    assert [c["batchId"] is None for c in imported["chunks"]] == [False, False, True, True, True]


def test_lost_chunk_bytes_are_cut_again_from_the_unchanged_source(
    home: Path, big: Path, held_third: SandboxServer
) -> None:
    server = held_third
    stop_at_chunk_3(home, big, server)
    for kept in (data_folder(home) / "uploads").iterdir():
        kept.unlink()

    resumed = cli(home, "upload", "--resume", "--base-url", server.base_url)

    assert resumed.returncode == 0, resumed.stderr
    held, resent = server.uploads[2], server.uploads[3]
    assert (resent.idempotency_key, resent.file_bytes) == (held.idempotency_key, held.file_bytes)
    assert len(server.batch_ids) == 5
    assert_chunks_add_up_to(distinct(server.uploads), big.read_bytes())


def test_lost_chunk_bytes_and_a_changed_source_stop_with_what_to_do(
    home: Path, big: Path, held_third: SandboxServer
) -> None:
    server = held_third
    original = big.read_bytes()
    stop_at_chunk_3(home, big, server)
    for kept in (data_folder(home) / "uploads").iterdir():
        kept.unlink()
    big.write_bytes(original.replace(b"tok-12000-", b"TOK-12000-"))

    resumed = cli(home, "upload", "--resume", "--base-url", server.base_url)

    assert resumed.returncode == 2
    assert "chunk 3 (rows 10,002-15,001) cannot be sent" in resumed.stderr
    assert f"Put {big} back as it was" in resumed.stderr
    assert len(server.uploads) == 3, "nothing else is sent"
    assert len(the_import(home, server).unsent) == 3, "the plan is kept"


def test_production_without_a_terminal_or_yes_saves_and_sends_nothing(
    home: Path, big: Path
) -> None:
    done = cli(
        home,
        "upload",
        str(big),
        "--import",
        "March",
        "--env",
        "production",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
    )
    assert done.returncode == 2
    assert "PRODUCTION" in done.stderr and "--yes" in done.stderr
    assert not data_folder(home).exists()


def test_the_whole_plan_and_every_chunk_are_saved_before_the_first_request(
    home: Path, big: Path
) -> None:
    server = serve({1: Fault.slow(30)})
    try:
        command = ("upload", str(big), "--import", "March", "--base-url", server.base_url)
        process = start(home, *command)
        wait_until(lambda: len(server.uploads) == 1)  # chunk 1 is out, its answer held
        planned = the_import(home, server)
        kept = SavedBytes.beside(data_folder(home) / "watchlist.toml")
        process.kill()
        process.communicate(timeout=60)
    finally:
        server.stop()
    assert len(planned.chunks) == 5 and planned.batch_ids == ()
    assert len({chunk.idempotency_key for chunk in planned.chunks}) == 5
    saved_chunks = [kept.load(c.idempotency_key, c.sha256) for c in planned.chunks]
    assert all(data is not None for data in saved_chunks)
    assert server.uploads[0].file_bytes == saved_chunks[0]
    assert server.uploads[0].idempotency_key == planned.chunks[0].idempotency_key
    assert (
        b"".join(data[len(HEADER) :] for data in saved_chunks if data)
        == big.read_bytes()[len(HEADER) :]
    )


def test_a_file_within_the_limits_is_one_chunk_equal_to_it(
    home: Path, tmp_path: Path, server: SandboxServer
) -> None:
    small = tmp_path / "small.csv"
    small.write_bytes(HEADER + b"".join(source_rows(40)))

    done = cli(home, "upload", str(small), "--import", "Small", "--base-url", server.base_url)

    assert done.returncode == 0, done.stderr
    (record,) = server.uploads
    assert record.file_bytes == small.read_bytes() and record.filename == "small.csv"
    assert done.stdout.split() == [record.batch_id]
    assert the_import(home, server, "Small").batch_ids == (record.batch_id,)
