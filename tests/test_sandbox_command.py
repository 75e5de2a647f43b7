"""`reap-tui sandbox` as a subprocess, the demo batches, and what the sandbox imports."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import uuid

import pytest

from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.demo import (
    DEMO_IMPORT_IDS,
    DEMO_MISSING_ID,
    demo_batches,
    demo_import_labels,
    demo_labels,
    load_batches,
)
from reap_tui.sandbox.script import status_document
from tests.sandbox_support import START, fake_clock, get_status

COMMAND = [sys.executable, "-m", "reap_tui", "sandbox"]


def read_banner(process: subprocess.Popen[str]) -> dict[str, object]:
    """Base URL, key and batch ids from the command's first lines, up to its `try:` line."""
    assert process.stdout is not None
    banner: dict[str, object] = {"ids": {}}
    for line in process.stdout:
        if line.startswith("base URL: "):
            banner["base_url"] = line.split(": ", 1)[1].strip()
        elif line.startswith("API key: "):
            banner["key"] = line.split(": ", 1)[1].strip()
        elif line.startswith("  ") and line.strip()[:36].count("-") == 4:
            batch_id, state, label = line.split(None, 2)
            banner["ids"][batch_id] = (state, label.strip())  # type: ignore[index]
        elif line.startswith("try: "):
            return banner
    pytest.fail("the sandbox command ended before printing its banner")


def test_sandbox_command_serves_the_demo_and_stops_cleanly_on_sigterm() -> None:
    process = subprocess.Popen(
        [*COMMAND, "--port", "0", "--speed", "20", "--batches", "3", "--import-batches", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = read_banner(process)
        ids = banner["ids"]
        assert isinstance(ids, dict)
        labels = demo_labels()
        assert {batch_id for batch_id in labels} <= set(ids)
        assert ids[DEMO_MISSING_ID] == ("(unknown)", labels[DEMO_MISSING_ID])
        assert sum(1 for state, label in ids.values() if label.startswith("Load batch")) == 3
        # Uploaded at start, the load import waits behind the demo import.
        queued = [state for state, label in ids.values() if label.startswith("Load import")]
        assert queued == ["pending", "pending"]
        march = [ids[batch_id] for batch_id in DEMO_IMPORT_IDS]
        assert [label for _, label in march] == list(demo_import_labels().values())
        assert {state for state, _ in march} == {"in_progress", "pending"}

        import urllib.error
        import urllib.request

        first = next(iter(labels))
        url = f"{banner['base_url']}/entity/kyc/import/batch/{first}"
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"x-reap-api-key": str(banner["key"])})
        ) as response:
            assert response.status == 200
        missing = f"{banner['base_url']}/entity/kyc/import/batch/{DEMO_MISSING_ID}"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(
                urllib.request.Request(missing, headers={"x-reap-api-key": str(banner["key"])})
            )
        assert caught.value.code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert stderr == ""


def test_sandbox_command_says_the_key_is_its_own_throwaway() -> None:
    process = subprocess.Popen(
        [*COMMAND, "--speed", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        head = [process.stdout.readline() for _ in range(4)]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert "5x speed" in head[0]
    assert "throwaway key" in head[3]
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--speed", "0"], "--speed must be a number greater than 0"),
        (["--speed", "-3"], "--speed must be a number greater than 0"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--batches", "-1"], "--batches must not be negative"),
        (["--import-batches", "-2"], "--import-batches must not be negative"),
    ],
)
def test_sandbox_command_refuses_bad_options(arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [*COMMAND, *arguments], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_demo_covers_every_state_and_fault() -> None:
    batches = demo_batches(START)
    documents = [status_document(batch, START, speed=20) for batch in batches]
    states = {document["status"] for document in documents}
    assert {"pending", "in_progress", "completed", "failed", "PROCESSING"} <= states
    assert any(state.isupper() and state != "PROCESSING" for state in states)
    assert any(d["status"] == "completed" and d["failedRecords"] for d in documents)
    assert any(d["status"] == "completed" and not d["failedRecords"] for d in documents)
    kinds = {
        fault.kind
        for batch in batches
        for fault in (*batch.faults.values(), *batch.fault_cycle)
        if fault is not None
    }
    assert {"server_error", "html_502", "rate_limited"} <= kinds
    summary_errors = [str(error) for d in documents for error in d["summary"]["errors"]]
    assert any("\x1b]8;;" in error for error in summary_errors)
    assert any("[@click=" in error for error in summary_errors)
    messages = [
        fault.message
        for batch in batches
        for fault in (*batch.faults.values(), *batch.fault_cycle)
        if fault is not None
    ]
    assert any("\x1b[2J" in message and "[bold" in message for message in messages)
    assert DEMO_MISSING_ID not in {batch.batch_id for batch in batches}
    assert set(demo_labels()) == {batch.batch_id for batch in batches} | {DEMO_MISSING_ID}


def test_demo_is_the_same_at_any_speed() -> None:
    slow = [status_document(b, START, 1) for b in demo_batches(START, speed=1)]
    fast = [status_document(b, START, 20) for b in demo_batches(START, speed=20)]
    assert [d["status"] for d in slow] == [d["status"] for d in fast]


def test_demo_batches_are_served_over_http() -> None:
    clock = fake_clock()
    with SandboxServer(clock, speed=20, batches=demo_batches(START)) as server:
        for batch_id in server.batch_ids:
            reply = get_status(server, batch_id, key=server.api_key)
            assert reply.status in {200, 429, 500, 502}
        assert get_status(server, DEMO_MISSING_ID, key=server.api_key).status == 404
        assert server.internal_errors == []


def test_load_batches_have_stable_ids() -> None:
    first, again = load_batches(5, START), load_batches(5, START + 99)
    assert [b.batch_id for b in first] == [b.batch_id for b in again]
    assert len({b.batch_id for b in first}) == 5
    assert all(uuid.UUID(b.batch_id) for b in first)


def test_sandbox_imports_neither_textual_nor_httpx() -> None:
    code = (
        "import sys, reap_tui.sandbox, reap_tui.sandbox.demo\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'httpx', 'rich'})\n"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_sandbox_command_listens_on_the_port_asked_for() -> None:
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = read_banner(process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert banner["base_url"] == f"http://127.0.0.1:{port}"
