"""Every case of tests/hardening_cases.py, run as a user runs it: `python -m reap_tui` in a
private home, against the sandbox over loopback, its output, exit code and what it left behind.

Around every case: no traceback, the key nowhere in the output, and JSON asked for is JSON
with no raw control, C1 or bidi-override character in it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import Fault, FaultPlan, SandboxServer, ScriptedBatch

from .cli_support import ROOT, user_env
from .hardening_cases import (
    BATCHES,
    CASES,
    HOSTILE_MESSAGE,
    KEY,
    WRONG_KEY,
    Case,
    Outcome,
    Setting,
)

TRICKLE_INTERVAL = 0.5  # real seconds per byte: a status body takes minutes
RAW_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[SandboxServer, SandboxServer]]:
    clock = SystemClock()
    faults = {
        "hostile": Fault.server_error(message=HOSTILE_MESSAGE),
        "reflect401": Fault.reflect_key(401),
        "reflect500": Fault.reflect_key(500),
        "trickle": Fault.trickle(TRICKLE_INTERVAL),
    }
    batches = [
        ScriptedBatch(
            batch_id,
            total_records=100_000,
            created_at=clock.now(),
            rate=1,
            fault_cycle=(faults[role],) if role in faults else (),
        )
        for role, batch_id in BATCHES.items()
    ]
    server = SandboxServer(clock, api_key=KEY, batches=batches)
    slow = SandboxServer(
        clock, api_key=KEY, upload_fault_plan=FaultPlan(cycle=(Fault.trickle(TRICKLE_INTERVAL),))
    )
    with server, slow:
        yield server, slow
        assert server.internal_errors == [] and slow.internal_errors == []


def json_documents(text: str) -> list[object]:
    """One JSON document (indented or not), or JSON lines."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_case(case: Case, setting: Setting) -> Outcome:
    fields = setting.fields()
    args = [arg.format(**fields) if isinstance(arg, str) else arg for arg in case.args]
    env = user_env(setting.home, **case.env)
    if case.key is not None:
        env["REAP_API_KEY"] = case.key
    logged = [len(server.request_log) for server in (setting.server, setting.slow_server)]
    stdout: int = subprocess.PIPE
    if case.output == "closed":  # a pipe whose reader has gone: `| head -1` after its line
        read_end, stdout = os.pipe()
        os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"reap_tui", *map(os.fsencode, args)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        if case.output == "closed":
            os.close(stdout)
    requests = [
        record
        for server, before in zip((setting.server, setting.slow_server), logged, strict=True)
        for record in server.request_log[before:]
    ]
    return Outcome(
        done.returncode,
        (done.stdout or b"").decode("utf-8", "backslashreplace"),
        done.stderr.decode("utf-8", "backslashreplace"),
        requests,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case, servers: tuple[SandboxServer, SandboxServer], tmp_path: Path) -> None:
    setting = Setting(tmp_path / "home", tmp_path / "work", *servers)
    setting.work.mkdir()
    if case.prepare is not None:
        case.prepare(setting)

    outcome = run_case(case, setting)

    assert outcome.returncode == case.exit_code, outcome.stderr
    for phrase in case.stdout:
        assert phrase in outcome.stdout, phrase
    for phrase in case.stderr:
        assert phrase in outcome.stderr, phrase
    assert "Traceback" not in outcome.stderr
    for secret in (KEY, WRONG_KEY):
        assert secret not in outcome.stdout + outcome.stderr
    if "--json" in case.args and case.output == "read":
        assert json_documents(outcome.stdout), "--json printed nothing"
        assert not RAW_UNSAFE.search(outcome.stdout)
    if case.output == "closed":
        assert "BrokenPipe" not in outcome.stderr and "Exception ignored" not in outcome.stderr
    if case.check is not None:
        case.check(setting, outcome)


def test_the_readme_table_has_a_row_for_every_case() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    for case in CASES:
        assert f"`{case.name}`" in section, case.name
