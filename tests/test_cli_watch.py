"""`reap-tui watch --speed 60 --json` as a subprocess against a sped-up sandbox, per exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch

from .cli_support import ROOT, RunningSandbox, run_cli, sandbox_process, user_env

MISSING = "5f0e2b7c-9a41-4d8e-b3c6-0d7e9f1a2b3c"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with sandbox_process(tmp_path_factory.mktemp("sandbox-home"), "--speed", "60") as running:
        yield running


def watch(
    home: Path, base_url: str, key: str, *ids: str, speed: str = "60"
) -> tuple[int, list[dict[str, Any]], str]:
    done = run_cli(
        home, "watch", "--json", "--speed", speed, "--base-url", base_url, *ids, REAP_API_KEY=key
    )
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, events, done.stderr


@pytest.mark.parametrize(
    ("label", "code", "phase"),
    [
        ("Partner referrals", 0, "completed"),
        ("Legacy migration", 3, "completed"),
        ("September reverification", 4, "failed"),
    ],
)
def test_final_batches(
    sandbox: RunningSandbox, tmp_path: Path, label: str, code: int, phase: str
) -> None:
    batch_id = sandbox.batches[label]
    returncode, events, stderr = watch(tmp_path, sandbox.base_url, sandbox.api_key, batch_id)
    assert returncode == code, stderr
    last = events[-1]
    assert (last["batchId"], last["event"], last["phase"]) == (batch_id, "done", phase)
    assert last["checkedAt"].endswith("Z")
    assert {"processedRecords", "failedRecords", "createdAt", "completedAt"} <= set(last)


def test_not_found_is_6(sandbox: RunningSandbox, tmp_path: Path) -> None:
    returncode, events, _ = watch(tmp_path, sandbox.base_url, sandbox.api_key, MISSING)
    assert returncode == 6
    assert events[-1]["phase"] == "not found"
    assert events[-1]["error"]["code"] == "0701020100"


def test_wrong_key_is_7(sandbox: RunningSandbox, tmp_path: Path) -> None:
    ids = list(sandbox.batches.values())[:3]
    returncode, events, _ = watch(tmp_path, sandbox.base_url, "sk-wrong-0000000000", *ids)
    assert returncode == 7
    assert {e["phase"] for e in events if e["event"] == "done"} == {"auth required"}
    assert "sk-wrong-0000000000" not in json.dumps(events)


def test_the_worst_code_wins(sandbox: RunningSandbox, tmp_path: Path) -> None:
    ids = [sandbox.batches["Partner referrals"], sandbox.batches["Legacy migration"], MISSING]
    returncode, events, _ = watch(tmp_path, sandbox.base_url, sandbox.api_key, *ids)
    assert returncode == 6
    assert {e["batchId"] for e in events if e["event"] == "done"} == set(ids)


def test_invalid_id_is_2_and_sends_nothing(sandbox: RunningSandbox, tmp_path: Path) -> None:
    returncode, events, stderr = watch(tmp_path, sandbox.base_url, sandbox.api_key, "nope")
    assert returncode == 2
    [refusal] = events  # with --json, the refusal too is one JSON object
    assert refusal["error"]["kind"] == "usage error"
    assert "is not a UUID" in refusal["error"]["detail"]
    assert "is not a UUID" in stderr


def test_an_in_progress_batch_is_followed_to_completion(tmp_path: Path) -> None:
    batch = ScriptedBatch(str(uuid.uuid4()), total_records=200, queue_wait=240, rate=2)
    flaky = ScriptedBatch(
        str(uuid.uuid4()), total_records=100, rate=2, fault_cycle=(Fault.html_502(), None)
    )
    with SandboxServer(SystemClock(), speed=60, batches=[batch, flaky]) as server:
        returncode, events, _ = watch(
            tmp_path, server.base_url, server.api_key, batch.batch_id, flaky.batch_id
        )
    assert returncode == 0
    mine = [e for e in events if e["batchId"] == batch.batch_id]
    assert mine[0]["status"] == "pending"
    assert "in_progress" in [e["status"] for e in mine]
    assert mine[-1]["event"] == "done" and mine[-1]["processedRecords"] == 200
    errors = [e for e in events if e["event"] == "error"]
    assert errors and errors[0]["error"]["httpStatus"] == 502


def test_a_batch_with_no_change_for_the_whole_window_is_5(tmp_path: Path) -> None:
    stuck = ScriptedBatch(str(uuid.uuid4()), total_records=100, queue_wait=10**9)
    with SandboxServer(SystemClock(), speed=600, batches=[stuck]) as server:
        returncode, events, _ = watch(
            tmp_path, server.base_url, server.api_key, stuck.batch_id, speed="600"
        )
    assert returncode == 5
    assert events[-1]["phase"] == "timed out"


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    endless = ScriptedBatch(str(uuid.uuid4()), total_records=1_000_000, rate=1)
    with SandboxServer(SystemClock(), speed=60, batches=[endless]) as server:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reap_tui",
                "watch",
                "--speed",
                "60",
                "--base-url",
                server.base_url,
                endless.batch_id,
            ],
            cwd=ROOT,
            env=user_env(tmp_path, REAP_API_KEY=server.api_key),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        first = process.stdout.readline()
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "in progress" in first + out
    assert "Traceback" not in err and "Task was destroyed" not in err
