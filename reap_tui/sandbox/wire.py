"""What the sandbox puts on the wire: timestamps, Reap-style error bodies and the answer shape."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from reap_tui.clock import to_datetime

MISSING_KEY_CODE = "0000000100"
INVALID_KEY_CODE = "0000000200"
VALIDATION_CODE = "0701001400"
BATCH_NOT_FOUND_CODE = "0701020100"
# Not documented by Reap (the client must key nothing on them); they keep every body Reap-shaped.
ROUTE_NOT_FOUND_CODE = "0000000404"
SERVER_ERROR_CODE = "0000000500"
RATE_LIMITED_CODE = "0000000429"
UNAVAILABLE_CODE = "0000000503"

JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One HTTP response before it is written. `document` is the JSON object `body` encodes."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    document: dict[str, Any] | None = None


def iso_timestamp(timestamp: float) -> str:
    """`2025-10-08T11:40:20.796Z`: UTC, milliseconds, `Z`, as on the batch-status page."""
    return to_datetime(timestamp).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def json_answer(status: int, document: dict[str, Any]) -> Answer:
    return Answer(status, json_bytes(document), document=document)


def error_answer(
    status: int,
    code: str,
    message: str,
    parameter: str = "",
    headers: tuple[tuple[str, str], ...] = (),
) -> Answer:
    document = {"code": code, "message": message, "parameter": parameter}
    return Answer(status, json_bytes(document), headers=headers, document=document)


def scaled_seconds(api_seconds: float, speed: float) -> int:
    """Whole clock seconds for a `Retry-After`: API seconds / speed, rounded up, at least 1."""
    return max(1, math.ceil(api_seconds / speed))
