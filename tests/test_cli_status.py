"""`reap-tui status` as a subprocess against `reap-tui sandbox`, for each exit code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch

from .cli_support import RunningSandbox, run_cli, sandbox_process

IN_PROGRESS = "March onboarding"
COMPLETED = "Partner referrals"
MISSING = "5f0e2b7c-9a41-4d8e-b3c6-0d7e9f1a2b3c"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with sandbox_process(tmp_path_factory.mktemp("sandbox-home"), "--speed", "1") as running:
        yield running


def status(
    sandbox: RunningSandbox, home: Path, *args: str, key: str | None = None
) -> tuple[int, str, str]:
    key = sandbox.api_key if key is None else key
    done = run_cli(home, "status", "--base-url", sandbox.base_url, *args, REAP_API_KEY=key)
    return done.returncode, done.stdout, done.stderr


def test_exit_0_prints_a_readable_summary(sandbox: RunningSandbox, tmp_path: Path) -> None:
    code, out, _ = status(sandbox, tmp_path, sandbox.batches[IN_PROGRESS])
    assert code == 0
    assert "Status      in progress" in out
    assert "processed" in out


def test_exit_0_json_has_the_documented_fields(sandbox: RunningSandbox, tmp_path: Path) -> None:
    code, out, _ = status(sandbox, tmp_path, sandbox.batches[COMPLETED], "--json")
    assert code == 0
    document = json.loads(out)
    assert document["status"] == "completed"
    assert document["batchId"] == sandbox.batches[COMPLETED]
    assert set(document) >= {
        "totalRecords",
        "processedRecords",
        "failedRecords",
        "createdAt",
        "updatedAt",
        "startedAt",
        "completedAt",
        "summary",
    }
    assert document["completedAt"].endswith("Z")


def test_exit_2_for_an_invalid_id_sends_nothing(sandbox: RunningSandbox, tmp_path: Path) -> None:
    code, out, err = status(sandbox, tmp_path, "not-a-batch")
    assert code == 2
    assert "is not a UUID" in err and out == ""


def test_exit_6_not_found(sandbox: RunningSandbox, tmp_path: Path) -> None:
    code, out, _ = status(sandbox, tmp_path, MISSING, "--json")
    assert code == 6
    error = json.loads(out)["error"]
    assert (error["httpStatus"], error["code"], error["title"]) == (
        404,
        "0701020100",
        "Batch not found",
    )


def test_exit_7_wrong_key(sandbox: RunningSandbox, tmp_path: Path) -> None:
    code, _, err = status(sandbox, tmp_path, sandbox.batches[COMPLETED], key="wrong-key-1234")
    assert code == 7
    assert "HTTP 401 Invalid API key (0000000200)" in err
    assert "wrong-key-1234" not in err


def test_exit_7_without_any_key_says_how_to_set_one(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    done = run_cli(tmp_path, "status", "--base-url", sandbox.base_url, MISSING)
    assert done.returncode == 7
    assert "REAP_API_KEY" in done.stderr


def test_exit_8_server_error_is_explained(tmp_path: Path) -> None:
    batch = ScriptedBatch("784d4045-c900-4050-aad6-8fe4c8d2fb16", fault_cycle=(Fault.html_502(),))
    with SandboxServer(SystemClock(), batches=[batch]) as server:
        done = run_cli(
            tmp_path,
            "status",
            "--base-url",
            server.base_url,
            batch.batch_id,
            REAP_API_KEY=server.api_key,
        )
    assert done.returncode == 8
    assert "HTTP 502 Reap server error" in done.stderr
    assert "What to do:" in done.stderr


def test_speed_is_refused_for_a_real_host(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path, "status", "--env", "production", "--speed", "60", MISSING, REAP_API_KEY="k"
    )
    assert done.returncode == 2
    assert "--speed is only for a loopback sandbox" in done.stderr
