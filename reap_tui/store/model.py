"""What the watch list holds: one `Entry` per watched batch (and, in a file of an earlier
version, its last known `Snapshot`, until it is moved to the state database).

Times the program measures (added, uploaded, checked) are clock seconds (floats, UTC epoch);
times the server reports (createdAt ...) are aware datetimes, as the API parser returns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.engine.state import Phase

LABEL_LIMIT = 80  # characters: the longest label the dialogs and `upload` take


class Source(StrEnum):
    """How a batch came to be watched."""

    MANUAL = "manual"
    UPLOAD = "upload"


@dataclass(frozen=True)
class Snapshot:
    """The last known state of a batch as earlier versions kept it in the watch list; now the
    few fields `reap-tui list` shows of a saved state."""

    phase: Phase
    status: str | None = None  # the documented lower-case spelling, or an unknown value as sent
    total_records: int | None = None
    processed_records: int | None = None
    failed_records: int | None = None
    successful_records: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    checked_at: float | None = None


@dataclass(frozen=True)
class Entry:
    batch_id: str  # canonical lower-case UUID
    added_at: float
    source: Source
    environment: str  # "sandbox" | "production" | "staging" | "custom"
    base_url: str
    label: str = ""
    uploaded_at: float | None = None
    snapshot: Snapshot | None = None  # only from a file of an earlier version

    def __post_init__(self) -> None:
        # Nothing but a canonical batch id is ever written to the list as a batch.
        if parse_batch_id(self.batch_id) != self.batch_id:
            raise InvalidBatchId(f"batch id {self.batch_id!r} is not in canonical form")


@dataclass(frozen=True)
class PendingUpload:
    """An upload whose answer has not been seen: a retry of the same file to the same place
    sends the same Idempotency-Key, so Reap cannot create a second batch."""

    file_sha256: str  # lower-case hex
    base_url: str
    environment: str
    idempotency_key: str
    file_path: str
    started_at: float
    label: str = ""

    def is_for(self, file_sha256: str, base_url: str) -> bool:
        return self.file_sha256 == file_sha256 and self.base_url == base_url


@dataclass(frozen=True)
class InvalidEntry:
    """An entry whose batch id is not a UUID: reported, and written back exactly as read."""

    position: int  # 1-based, among the file's [[batch]] tables
    table: dict[str, Any]
    problem: str


@dataclass(frozen=True)
class AddResult:
    entry: Entry
    added: bool  # False: the batch was already watched and the file was left unchanged
