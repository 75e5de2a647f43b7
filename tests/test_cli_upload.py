"""`reap-tui upload` as a subprocess against the sandbox over loopback, checked server-side."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer, UploadDefaults
from reap_tui.store import PendingUpload, WatchList
from reap_tui.uploading import read_batch_file

from .cli_support import ROOT, run_cli, user_env

KEY = "sandbox-upload-test-key-0123456789"
ROWS = [
    ("00000000-0000-4000-8000-000000000001", "token-1"),
    ("00000000-0000-4000-8000-000000000002", "token-2"),
    ("00000000-0000-4000-8000-000000000003", "token-3"),
]
# Far from anything that answers: a request that should never be sent fails here, not at Reap.
DEAD_PROXY = "http://127.0.0.1:9"


def csv_bytes() -> bytes:
    lines = ["externalId,shareToken,applicantLevel,cardProcessorPublicToken"]
    lines += [f"{external_id},{token},basic," for external_id, token in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def march(tmp_path: Path) -> Path:
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes())
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def serve(**options: object) -> SandboxServer:
    server = SandboxServer(SystemClock(), api_key=KEY, **options)  # type: ignore[arg-type]
    server.start()
    return server


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    running = serve()
    yield running
    running.stop()


def upload(
    home: Path, path: Path, *options: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """`reap-tui upload` with stdin a pipe (never a terminal), like a script or CI job."""
    env.setdefault("REAP_API_KEY", KEY)
    return subprocess.run(
        [sys.executable, "-m", "reap_tui", "upload", str(path), *options],
        cwd=ROOT,
        env=user_env(home, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def watchlist(home: Path) -> WatchList:
    return WatchList.open(home / ".local/share/reap-tui/watchlist.toml", SystemClock())


def assert_key_not_shown(done: subprocess.CompletedProcess[str]) -> None:
    assert KEY not in done.stdout and KEY not in done.stderr


def test_upload_sends_the_csv_and_prints_only_the_batch_id(
    home: Path, march: Path, server: SandboxServer
) -> None:
    done = upload(home, march, "--label", "March onboarding", "--base-url", server.base_url)
    assert done.returncode == 0, done.stderr
    (record,) = server.uploads
    assert done.stdout == f"{record.batch_id}\n"
    assert record.file_bytes == csv_bytes() and record.filename == "march.csv"
    assert record.row_count == len(ROWS)
    assert record.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert record.headers["x-provider"] == "sumsub"
    assert record.idempotency_key is not None
    assert uuid.UUID(record.idempotency_key).version == 4
    assert "uploaded: batch" in done.stderr and "3 records" in done.stderr
    assert_key_not_shown(done)

    saved = watchlist(home)
    entry = saved.get(record.batch_id)
    assert entry is not None
    assert (entry.source.value, entry.label, entry.base_url) == (
        "upload",
        "March onboarding",
        server.base_url,
    )
    assert entry.uploaded_at is not None and entry.uploaded_at >= record.at
    assert saved.pending_uploads == ()


def test_a_timeout_then_a_retry_makes_one_batch_which_is_watched_to_completion(
    home: Path, march: Path
) -> None:
    # The first upload creates its batch but answers too late; at speed 60 the batch waits
    # 1 s in the queue and then processes its 3 rows at once.
    server = serve(
        speed=60,
        upload_fault_plan=FaultPlan({1: Fault.slow(30)}),
        upload_defaults=UploadDefaults(queue_wait=60),
    )
    try:
        first = upload(home, march, "--base-url", server.base_url, "--upload-timeout", "0.5")
        assert first.returncode == 8, first.stderr
        assert first.stdout == ""
        assert "timed out" in first.stderr
        assert "run the same command again: it reuses the idempotency key" in first.stderr
        (pending,) = watchlist(home).pending_uploads
        assert watchlist(home).entries == ()

        again = upload(home, march, "--base-url", server.base_url)
        assert again.returncode == 0, again.stderr
        batch_id = again.stdout.strip()
        assert "same idempotency key" in again.stderr

        timed_out, retried = server.uploads
        assert timed_out.idempotency_key == retried.idempotency_key == pending.idempotency_key
        assert not timed_out.replayed and retried.replayed
        assert timed_out.batch_id == retried.batch_id == batch_id
        assert server.batch_ids == [batch_id]
        assert watchlist(home).pending_uploads == ()

        watched = run_cli(
            home,
            "watch",
            "--json",
            "--speed",
            "60",
            "--base-url",
            server.base_url,
            batch_id,
            REAP_API_KEY=KEY,
        )
        assert watched.returncode == 0, watched.stderr
        last = json.loads(watched.stdout.splitlines()[-1])
        assert (last["batchId"], last["event"], last["phase"]) == (batch_id, "done", "completed")
        assert last["processedRecords"] == len(ROWS)
    finally:
        server.stop()


def test_a_retry_after_a_crash_sends_the_saved_key(
    home: Path, march: Path, server: SandboxServer
) -> None:
    # What a process killed after saving its pending upload, before any answer, leaves behind.
    left_behind = PendingUpload(
        file_sha256=read_batch_file(march).sha256,
        base_url=server.base_url,
        environment="custom",
        idempotency_key="key-of-the-crashed-run",
        file_path=str(march),
        started_at=SystemClock().now() - 60,
        label="from the crashed run",
    )
    watchlist(home).begin_upload(left_behind)
    done = upload(home, march, "--base-url", server.base_url)
    assert done.returncode == 0, done.stderr
    (record,) = server.uploads
    assert record.idempotency_key == "key-of-the-crashed-run"
    entry = watchlist(home).get(done.stdout.strip())
    assert entry is not None and entry.label == "from the crashed run"


def test_a_changed_file_is_a_new_upload_with_a_new_key(
    home: Path, march: Path, server: SandboxServer
) -> None:
    first = upload(home, march, "--base-url", server.base_url)
    march.write_bytes(csv_bytes().replace(b"token-3", b"token-4"))
    second = upload(home, march, "--base-url", server.base_url)
    assert first.returncode == second.returncode == 0
    one, two = server.uploads
    assert one.idempotency_key != two.idempotency_key
    assert first.stdout != second.stdout
    assert len(watchlist(home).entries) == 2


def test_an_invalid_file_is_refused_with_exit_4_and_nothing_is_sent(
    home: Path, tmp_path: Path, server: SandboxServer
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("externalId,shareToken\nnot-a-uuid,\n")
    done = upload(home, bad, "--base-url", server.base_url)
    validated = run_cli(home, "validate", str(bad))
    assert done.returncode == 4
    assert done.stdout == ""
    assert done.stderr.startswith(validated.stdout)
    assert "bad.csv was not uploaded" in done.stderr
    assert server.request_log == []
    assert watchlist(home).pending_uploads == ()


def test_an_unreadable_file_is_a_usage_error(home: Path, tmp_path: Path) -> None:
    done = upload(home, tmp_path / "missing.csv", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert "missing.csv" in done.stderr


def test_production_without_a_terminal_or_yes_is_refused(home: Path, march: Path) -> None:
    done = upload(home, march, "--env", "production", HTTPS_PROXY=DEAD_PROXY, NO_PROXY="")
    assert done.returncode == 2
    assert "PRODUCTION" in done.stderr and "--yes" in done.stderr
    assert "nothing was uploaded" in done.stderr
    assert not (home / ".local/share/reap-tui/watchlist.toml").exists()


def test_production_on_a_terminal_asks_naming_the_file_and_rows(home: Path, march: Path) -> None:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "reap_tui", "upload", str(march), "--env", "production"],
            cwd=ROOT,
            env=user_env(home, REAP_API_KEY=KEY, HTTPS_PROXY=DEAD_PROXY, NO_PROXY=""),
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(controller, b"n\n")
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 2
    assert "Upload march.csv (3 data rows, " in stderr
    assert "to PRODUCTION (https://compliance.api.reap.global)? " in stderr
    assert "not confirmed; nothing was uploaded" in stderr
    assert stdout == ""
    assert not (home / ".local/share/reap-tui/watchlist.toml").exists()


def test_without_a_key_exit_7_says_how_to_set_one(
    home: Path, march: Path, server: SandboxServer
) -> None:
    done = upload(home, march, "--base-url", server.base_url, REAP_API_KEY="")
    assert done.returncode == 7
    assert "REAP_API_KEY" in done.stderr
    assert server.request_log == []


def test_a_refused_key_is_exit_7_and_forgets_the_pending_upload(
    home: Path, march: Path, server: SandboxServer
) -> None:
    wrong = "not-the-sandbox-key-42"
    done = upload(home, march, "--base-url", server.base_url, REAP_API_KEY=wrong)
    assert done.returncode == 7
    assert "Invalid API key" in done.stderr
    assert wrong not in done.stderr and done.stdout == ""
    assert server.uploads == []
    assert watchlist(home).pending_uploads == ()


def test_a_server_error_keeps_the_pending_upload_for_the_retry(home: Path, march: Path) -> None:
    server = serve(upload_fault_plan=FaultPlan({1: Fault.html_502()}))
    try:
        done = upload(home, march, "--base-url", server.base_url)
        assert done.returncode == 8
        assert "HTTP 502" in done.stderr
        assert "run the same command again: it reuses the idempotency key" in done.stderr
        assert len(watchlist(home).pending_uploads) == 1
        assert_key_not_shown(done)
    finally:
        server.stop()
