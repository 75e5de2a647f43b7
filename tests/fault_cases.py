"""The fault matrix as data, shared by its two halves: `reap-tui watch --json` and the dashboard.

Every case scripts one batch (completed long ago, 40 records) whose first answer is the fault;
later answers are normal, so a program that keeps running ends with the batch completed. A case
says what the reader sees (a phrase of the dashboard's detail panel, fields of the first JSON
event), what the program does next (`Then`), and the exit code `watch` ends with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from reap_tui.engine.cadence import CadenceConfig
from reap_tui.sandbox import Fault, ScriptedBatch
from reap_tui.sandbox.demo import HOSTILE_MESSAGE, HOSTILE_SUMMARY_ERRORS
from reap_tui.sandbox.script import StatusSpelling
from reap_tui.sandbox.wire import scaled_seconds

from .conftest import START

BATCH_ID = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
CREATED = START - 3600  # 2025-10-08T10:40:00Z; with 40 records at 7/s it ended 5.7 s later
RETRY_AFTER = 60.0  # API seconds asked for by the 429 and 503 cases
SERVER_AHEAD = 3600.0  # clock seconds the "ahead" server's clock is ahead of ours
ESCAPED_STATUS = "\x1b[31mdone\x1b]0;owned\x07\x9b2J"


class Then(Enum):
    """What the program does after the faulted answer."""

    BACKOFF = "retries after a back-off of at least the polling minimum"
    RETRY_AFTER = "retries no sooner than the server's Retry-After"
    INTERVAL = "checks again on the polling interval"
    STOP = "stops checking this batch"
    DONE = "stops: the batch is final"


@dataclass(frozen=True)
class FaultCase:
    name: str
    sees: tuple[str, ...]  # phrases of the dashboard's detail panel
    shows: Mapping[str, Any]  # dotted path -> value, in the first JSON event of `watch`
    then: Then
    exit_code: int
    faults: Mapping[int, Fault] = field(default_factory=dict)
    spelling: StatusSpelling = "lower"
    auth: Literal["ok", "missing", "invalid"] = "ok"
    known: bool = True  # False: the server has never heard of the batch
    server: Literal["up", "late", "ahead"] = "up"  # late: refuses connections at first
    after_refresh: tuple[str, ...] = ()  # phrases of the detail panel once the user presses r

    @property
    def batches(self) -> list[ScriptedBatch]:
        batch = ScriptedBatch(
            BATCH_ID,
            total_records=40,
            created_at=CREATED,
            faults=self.faults,
            status_spelling=self.spelling,
        )
        return [batch] if self.known else []

    def min_gap(self, speed: float) -> float:
        """Clock seconds the policy puts at least between the faulted check and the next."""
        interval = CadenceConfig().scaled(speed).interval_min
        if self.then is Then.RETRY_AFTER:
            return max(interval, scaled_seconds(RETRY_AFTER, speed))
        return interval


def _rewritten(**fields: Any) -> dict[int, Fault]:
    return {1: Fault.rewritten(fields)}


def _malformed(path: str, detail: str, *, value: Any = None, missing: bool = False) -> FaultCase:
    fault = Fault.malformed(drop=(path,)) if missing else Fault.malformed(override={path: value})
    return FaultCase(
        f"{path} {'missing' if missing else 'wrong type'}",
        sees=("Malformed response", detail),
        shows={"error.kind": "malformed response", "error.detail": detail},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: fault},
    )


_ACCEPTED_WHEN_MISSING = {
    # Documented as null until they happen, so an absent one reads as null.
    "startedAt": "Started",
    "completedAt": "Completed",
}

FIELD_CASES = [
    _malformed("batchId", "batchId: expected a string, got nothing (field missing)", missing=True),
    _malformed("batchId", "batchId: expected a string, got 123", value=123),
    _malformed("status", "status: expected a string, got nothing (field missing)", missing=True),
    _malformed("status", "status: expected a string, got null", value=None),
    *(
        _malformed(name, f"{name}: expected an integer, got nothing (field missing)", missing=True)
        for name in ("totalRecords", "processedRecords", "failedRecords")
    ),
    _malformed("totalRecords", 'totalRecords: expected an integer, got "40"', value="40"),
    _malformed("processedRecords", "processedRecords: expected an integer, got 1.5", value=1.5),
    _malformed("failedRecords", "failedRecords: expected an integer, got true", value=True),
    *(
        _malformed(
            name,
            f"{name}: expected an ISO 8601 timestamp, got nothing (field missing)",
            missing=True,
        )
        for name in ("createdAt", "updatedAt")
    ),
    _malformed(
        "createdAt", 'createdAt: expected an ISO 8601 timestamp, got "yesterday"', value="yesterday"
    ),
    _malformed(
        "updatedAt", "updatedAt: expected an ISO 8601 timestamp, got 1759923620", value=1759923620
    ),
    _malformed("startedAt", "startedAt: expected an ISO 8601 timestamp, got a list", value=[]),
    _malformed("completedAt", 'completedAt: expected an ISO 8601 timestamp, got ""', value=""),
    _malformed("summary", "summary: expected an object, got nothing (field missing)", missing=True),
    _malformed("summary", 'summary: expected an object, got "none"', value="none"),
    _malformed(
        "summary.successfulRecords",
        "summary.successfulRecords: expected an integer, got nothing (field missing)",
        missing=True,
    ),
    _malformed(
        "summary.successfulRecords",
        "summary.successfulRecords: expected an integer, got an object",
        value={},
    ),
    _malformed("summary.errors", 'summary.errors: expected a list, got "none"', value="none"),
    *(
        FaultCase(
            f"{name} missing",
            sees=(f"{row} —",),
            shows={"status": "completed", name: None},
            then=Then.DONE,
            exit_code=0,
            faults={1: Fault.malformed(drop=(name,))},
        )
        for name, row in _ACCEPTED_WHEN_MISSING.items()
    ),
    FaultCase(
        "summary.errors missing",
        sees=("✓ completed",),
        shows={"status": "completed", "summary.errors": []},
        then=Then.DONE,
        exit_code=0,
        faults={1: Fault.malformed(drop=("summary.errors",))},
    ),
]

CASES: list[FaultCase] = [
    FaultCase(
        "401 missing key",
        sees=("Missing API key", "0000000100", "press k"),
        shows={"phase": "auth required", "error.code": "0000000100"},
        then=Then.STOP,
        exit_code=7,
        auth="missing",
    ),
    FaultCase(
        "401 invalid key",
        sees=("Invalid API key", "0000000200"),
        shows={"phase": "auth required", "error.code": "0000000200"},
        then=Then.STOP,
        exit_code=7,
        auth="invalid",
    ),
    FaultCase(
        "404 batch not found",
        sees=("Batch not found", "0701020100", "Check the id was copied whole"),
        shows={"phase": "not found", "error.code": "0701020100"},
        then=Then.STOP,
        exit_code=6,
        known=False,
    ),
    FaultCase(
        "500 with a Reap body",
        sees=("Reap server error", "Internal server error", "retried with back-off"),
        shows={"error.httpStatus": 500, "error.message": "Internal server error"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.server_error()},
    ),
    FaultCase(
        "500 with an empty body",
        sees=("Reap server error", "HTTP 500 with an empty body"),
        shows={"error.httpStatus": 500, "error.detail": "HTTP 500 with an empty body"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.empty_500()},
    ),
    FaultCase(
        "502 HTML page",
        sees=("Reap server error", "HTTP 502 with a non-Reap body (text/html)"),
        shows={
            "error.httpStatus": 502,
            "error.detail": "HTTP 502 with a non-Reap body (text/html)",
        },
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.html_502()},
    ),
    FaultCase(
        "503 with Retry-After seconds",
        sees=("Reap server error", "Retry after"),
        shows={"error.httpStatus": 503, "error.kind": "server error"},
        then=Then.RETRY_AFTER,
        exit_code=0,
        faults={1: Fault.unavailable_503(RETRY_AFTER)},
    ),
    FaultCase(
        "429 with Retry-After as an HTTP date",
        sees=("Rate limited", "Retry after"),
        shows={"error.httpStatus": 429, "error.kind": "rate limited"},
        then=Then.RETRY_AFTER,
        exit_code=0,
        faults={1: Fault.rate_limited(RETRY_AFTER, as_http_date=True)},
    ),
    FaultCase(
        "read timeout",
        sees=("Request timed out", "ReadTimeout"),
        shows={"error.kind": "timed out"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.slow(60)},
    ),
    FaultCase(
        "connection refused",
        sees=("Network error", "ConnectError"),
        shows={"error.kind": "network error"},
        then=Then.BACKOFF,
        exit_code=0,
        server="late",
    ),
    FaultCase(
        "connection reset mid-body",
        sees=("Network error", "RemoteProtocolError"),
        shows={"error.kind": "network error"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.reset()},
    ),
    FaultCase(
        "10 MB body",
        sees=("Malformed response", "body larger than 1024 KB"),
        shows={"error.kind": "malformed response", "error.httpStatus": 200},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.huge()},
    ),
    FaultCase(
        "JSON that is not an object",
        sees=("Malformed response", "body: expected a JSON object, got a list"),
        shows={"error.detail": "body: expected a JSON object, got a list"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.malformed(b"[1, 2]")},
    ),
    *FIELD_CASES,
    FaultCase(
        "unknown status value",
        sees=("? on_hold", "unknown status value 'on_hold'"),
        shows={"status": "on_hold", "anomalies.0": "unknown status value 'on_hold'"},
        then=Then.INTERVAL,
        exit_code=0,
        faults=_rewritten(status="on_hold", completedAt=None),
    ),
    FaultCase(
        "upper-case status",
        sees=("✓ completed",),
        shows={"status": "completed", "phase": "completed"},
        then=Then.DONE,
        exit_code=0,
        spelling="upper",
    ),
    FaultCase(
        "PROCESSING",
        sees=("▶ in progress",),
        shows={"status": "in_progress", "phase": "polling"},
        then=Then.INTERVAL,
        exit_code=0,
        spelling="processing",
        faults=_rewritten(status="PROCESSING", completedAt=None),
    ),
    FaultCase(
        "processed > total",
        sees=("processedRecords (50) exceeds totalRecords (40)",),
        shows={"anomalies.0": "processedRecords (50) exceeds totalRecords (40)"},
        then=Then.DONE,
        exit_code=0,
        faults=_rewritten(processedRecords=50, **{"summary.successfulRecords": 50}),
    ),
    FaultCase(
        "timestamp in another offset",
        sees=("2025-10-08 10:39:00 UTC", "Queue wait 1m 00s"),
        shows={"createdAt": "2025-10-08T12:39:00+02:00"},
        then=Then.DONE,
        exit_code=0,
        faults=_rewritten(createdAt="2025-10-08T12:39:00.000+02:00"),
    ),
    FaultCase(
        "timestamp without a zone",
        sees=("2025-10-08 10:39:00 UTC", "Queue wait 1m 00s"),
        shows={"createdAt": "2025-10-08T10:39:00Z"},
        then=Then.DONE,
        exit_code=0,
        faults=_rewritten(createdAt="2025-10-08T10:39:00.000"),
    ),
    FaultCase(
        "status going backwards",
        sees=("✓ completed",),
        shows={"status": "completed", "phase": "completed"},
        then=Then.DONE,
        exit_code=0,
        faults={2: Fault.rewritten({"status": "in_progress", "completedAt": None})},
        after_refresh=("status went back from completed to in_progress",),
    ),
    FaultCase(
        "server clock an hour ahead",
        sees=("Rate limited", "Retry after"),
        shows={"error.httpStatus": 429},
        then=Then.RETRY_AFTER,
        exit_code=0,
        faults={1: Fault.rate_limited(RETRY_AFTER, as_http_date=True)},
        server="ahead",
    ),
    FaultCase(
        "markup, ANSI, OSC and C1 in an error",
        sees=(
            "[@click=app.quit]click me[/]",
            "␛[2J␛[H",
            "␛]8;;https://example.invalid/",
            "\\u009b31m",
        ),
        shows={"error.message": HOSTILE_MESSAGE, "error.parameter": "[link]x"},
        then=Then.BACKOFF,
        exit_code=0,
        faults={1: Fault.server_error(HOSTILE_MESSAGE, parameter="[link]x")},
    ),
    FaultCase(
        "escape sequences in the status value",
        sees=("␛[31mdone␛]0;owned␇\\u009b2J",),
        shows={"status": ESCAPED_STATUS},
        then=Then.INTERVAL,
        exit_code=0,
        faults=_rewritten(status=ESCAPED_STATUS, completedAt=None),
    ),
    FaultCase(
        "markup and escapes in summary.errors",
        sees=("Row 3: [red]share token expired[/red]", "␛]8;;https://example.invalid/"),
        shows={"summary.errors.0": HOSTILE_SUMMARY_ERRORS[0]},
        then=Then.DONE,
        exit_code=0,
        faults=_rewritten(**{"summary.errors": list(HOSTILE_SUMMARY_ERRORS)}),
    ),
]


def lookup(document: Any, path: str) -> Any:
    """`error.code` or `anomalies.0` in a decoded JSON document."""
    for part in path.split("."):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document
