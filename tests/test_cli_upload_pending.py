"""An upload that never answered: its exact bytes are kept, and it is finished before anything
else is uploaded from that path, or by `upload --resume`; subprocesses against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer
from reap_tui.store import PendingUpload, WatchList
from reap_tui.uploading import read_batch_file

from .cli_support import ROOT, run_cli, user_env

KEY = "sandbox-pending-upload-key-0123456789"


def csv_bytes(last_token: str = "token-3") -> bytes:
    rows = [
        "externalId,shareToken",
        "00000000-0000-4000-8000-000000000001,token-1",
        "00000000-0000-4000-8000-000000000002,token-2",
        f"00000000-0000-4000-8000-000000000003,{last_token}",
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def march(tmp_path: Path) -> Path:
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes())
    return path


@pytest.fixture
def held_first() -> Iterator[SandboxServer]:
    """The first upload makes its batch but its answer is held for 30 s."""
    server = SandboxServer(
        SystemClock(), api_key=KEY, upload_fault_plan=FaultPlan({1: Fault.slow(30)})
    )
    server.start()
    yield server
    server.stop()


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    env.setdefault("REAP_API_KEY", KEY)
    return run_cli(home, *args, **env)


def data_folder(home: Path) -> Path:
    return home / ".local/share/reap-tui"


def saved(home: Path) -> WatchList:
    return WatchList.open(data_folder(home) / "watchlist.toml", SystemClock())


def kill_while_out(home: Path, server: SandboxServer, *args: str) -> None:
    """Start `reap-tui upload ...` and SIGKILL it once its request has reached the sandbox."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reap_tui", "upload", *args, "--base-url", server.base_url],
        cwd=ROOT,
        env=user_env(home, REAP_API_KEY=KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60  # only stops a broken run hanging
    while not server.uploads:
        assert time.monotonic() < deadline and process.poll() is None, "the upload never left"
        time.sleep(0.02)
    process.kill()
    process.communicate(timeout=60)


def test_killed_then_the_file_edited_and_uploaded_again_both_batches_are_watched(
    home: Path, march: Path, held_first: SandboxServer
) -> None:
    server = held_first
    kill_while_out(home, server, str(march))
    (pending,) = saved(home).pending_uploads
    march.write_bytes(csv_bytes("token-4"))

    again = cli(home, "upload", str(march), "--base-url", server.base_url)

    assert again.returncode == 0, again.stderr
    sent, finished, edited = server.uploads
    assert finished.idempotency_key == sent.idempotency_key == pending.idempotency_key
    assert finished.file_bytes == sent.file_bytes == csv_bytes() and finished.replayed
    assert edited.idempotency_key != sent.idempotency_key
    assert edited.file_bytes == csv_bytes("token-4")
    assert again.stdout == f"{edited.batch_id}\n", "stdout: only this file's batch"
    assert f"earlier upload: batch {sent.batch_id}" in again.stderr
    watched = saved(home)
    assert {entry.batch_id for entry in watched.entries} == set(server.batch_ids)
    assert len(server.batch_ids) == 2
    assert watched.pending_uploads == ()
    assert list((data_folder(home) / "uploads").iterdir()) == []


def test_resume_finishes_a_pending_upload_from_its_saved_bytes(
    home: Path, march: Path, held_first: SandboxServer
) -> None:
    server = held_first
    kill_while_out(home, server, str(march), "--label", "March")
    march.unlink()
    listed = cli(home, "list")
    assert "pending upload: " in listed.stdout and str(march) in listed.stdout
    assert "run reap-tui upload --resume --base-url" in listed.stdout
    (shown,) = json.loads(cli(home, "list", "--json").stdout)["pendingUploads"]
    assert (shown["file"], shown["bytesKept"], shown["label"]) == (str(march), True, "March")

    resumed = cli(home, "upload", "--resume", "--base-url", server.base_url)

    assert resumed.returncode == 0, resumed.stderr
    sent, finished = server.uploads
    assert (finished.idempotency_key, finished.file_bytes) == (
        sent.idempotency_key,
        sent.file_bytes,
    )
    assert resumed.stdout == f"{sent.batch_id}\n"
    watched = saved(home)
    assert watched.pending_uploads == ()
    entry = watched.get(sent.batch_id)
    assert entry is not None and entry.label == "March"
    assert "pending upload" not in cli(home, "list").stdout


def test_a_pending_upload_of_an_earlier_version_says_its_bytes_are_unknown(
    home: Path, march: Path, tmp_path: Path
) -> None:
    server = SandboxServer(SystemClock(), api_key=KEY)
    server.start()
    try:
        # What an earlier version left: the pending upload, and no bytes beside it.
        left = PendingUpload(
            file_sha256=read_batch_file(march).sha256,
            base_url=server.base_url,
            environment="custom",
            idempotency_key="key-of-an-earlier-version",
            file_path=str(march),
            started_at=SystemClock().now() - 3600,
        )
        saved(home).begin_upload(left)

        listed = cli(home, "list")
        assert "the bytes it sent are unknown" in listed.stdout
        resumed = cli(home, "upload", "--resume", "--base-url", server.base_url)
        assert resumed.returncode == 2
        assert "the bytes it sent are unknown" in resumed.stderr
        assert "Upload that file again exactly as it was then" in resumed.stderr
        assert server.request_log == []

        # The same file again reuses the key: Reap answers with one batch, now watched.
        again = cli(home, "upload", str(march), "--base-url", server.base_url)
        assert again.returncode == 0, again.stderr
        (record,) = server.uploads
        assert record.idempotency_key == "key-of-an-earlier-version"
        assert saved(home).pending_uploads == ()
    finally:
        server.stop()
