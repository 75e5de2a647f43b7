"""`status --import` and `watch --import` as subprocesses against a sandbox whose batches Reap's
modelled processor runs (at 150x), the import made with `import ids.txt --import NAME`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reap_tui.clock import SystemClock
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.processor import ProcessorConfig, QueuedBatch

from .cli_support import run_cli

KEY = "sk-import-cli-0123456789"
SPEED = 150.0
IDS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"cli-import-{n}")) for n in range(3)]
STUCK_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "cli-import-stuck"))
ROWS = (700, 700, 350)
IMPORT_KEYS = {
    "import",
    "batches",
    "byStatus",
    "totalRecords",
    "processedRecords",
    "successfulRecords",
    "failedRecords",
    "throughputPerSecond",
    "etaSeconds",
    "finishAt",
    "stalled",
    "batchIds",
}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    clock = SystemClock()
    now = clock.now()
    uploaded = now - 1.0  # picked up at the processor's tick on `now`
    batches = [
        QueuedBatch(IDS[0], ROWS[0], uploaded),
        QueuedBatch(IDS[1], ROWS[1], uploaded, fail_share=0.1),
        QueuedBatch(IDS[2], ROWS[2], uploaded),
        # A business of its own, so it stops the processor only for itself.
        QueuedBatch(STUCK_ID, 2_000, uploaded, business_uuid=str(uuid.uuid4()), stall_at=0.3),
    ]
    processor = ProcessorConfig(pickup_origin=now)
    with SandboxServer(
        clock, api_key=KEY, speed=SPEED, batches=batches, processor=processor
    ) as running:
        yield running


def grouped(home: Path, server: SandboxServer, name: str, batch_ids: list[str]) -> None:
    ids = home / f"{name}.txt"
    ids.write_text("".join(f"{b} part {n}\n" for n, b in enumerate(batch_ids, start=1)))
    done = run_cli(home, "--base-url", server.base_url, "import", str(ids), "--import", name)
    assert done.returncode == 0, done.stderr


def cli(home: Path, server: SandboxServer, *args: str) -> tuple[int, str, str]:
    done = run_cli(
        home, "--base-url", server.base_url, "--speed", f"{SPEED:g}", *args, REAP_API_KEY=KEY
    )
    return done.returncode, done.stdout, done.stderr


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_status_of_an_import_checks_each_batch_once_and_prints_its_numbers(
    tmp_path: Path, server: SandboxServer
) -> None:
    grouped(tmp_path, server, "March", IDS)
    before = len(server.request_log)

    code, out, err = cli(tmp_path, server, "status", "--import", "march", "--json")

    assert code == 0, err
    document = json.loads(out)
    assert set(document) >= IMPORT_KEYS
    assert document["import"] == "March" and document["batchIds"] == IDS
    assert document["batches"] == 3 and document["totalRecords"] == sum(ROWS)
    assert sum(document["byStatus"].values()) == 3
    assert 0 <= document["processedRecords"] <= sum(ROWS)
    asked = [r.batch_id for r in server.request_log[before:]]
    assert sorted(asked) == sorted(IDS)  # each once

    code, out, err = cli(tmp_path, server, "status", "--import", "March")
    assert code == 0, err
    assert out.startswith("import 'March': ")
    assert "batches in upload order:" in out
    assert all(batch_id in out for batch_id in IDS)


def test_watch_an_import_to_its_end(tmp_path: Path, server: SandboxServer) -> None:
    grouped(tmp_path, server, "April", IDS)

    code, out, err = cli(tmp_path, server, "watch", "--import", "April", "--json")

    assert code == 3, err  # the worst batch: completed with failed records
    events = json_lines(out)
    batches = [e for e in events if e["event"] != "import"]
    imports = [e for e in events if e["event"] == "import"]
    assert {e["batchId"] for e in batches if e["event"] == "done"} == set(IDS)
    assert imports, "no import line"
    assert all(set(e) >= IMPORT_KEYS for e in imports)
    processed = [e["processedRecords"] for e in imports]
    assert processed == sorted(processed)  # one line per change, never backwards
    last = imports[-1]
    assert last["state"] == "finished with failures"
    assert last["processedRecords"] == last["totalRecords"] == sum(ROWS)
    assert last["failedRecords"] > 0 and last["etaSeconds"] == 0 and not last["stalled"]


def test_watch_an_import_that_stalls_exits_5(tmp_path: Path, server: SandboxServer) -> None:
    grouped(tmp_path, server, "Stuck", [STUCK_ID])

    code, out, err = cli(tmp_path, server, "watch", "--import", "Stuck")

    assert code == 5, err
    lines = out.splitlines()
    assert "import 'Stuck'  stalled" in lines[-1]


def test_an_unknown_import_is_a_usage_error(tmp_path: Path, server: SandboxServer) -> None:
    grouped(tmp_path, server, "May", IDS[:1])

    code, out, err = cli(tmp_path, server, "status", "--import", "June", "--json")

    assert code == 2
    assert "no import named 'June'" in err and "'May'" in err
    assert "no import named 'June'" in json.loads(out)["error"]["detail"]
    code, _, err = cli(tmp_path, server, "watch", IDS[0], "--import", "May")
    assert code == 2 and "BATCH_IDs or --import NAME" in err
