"""The watch-list TOML format (schema_version = 1), read strictly and written by tomli-w.

    schema_version = 1

    [[batch]]
    batch_id = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
    label = "March onboarding"            # omitted when empty
    source = "manual"                     # or "upload"
    environment = "sandbox"               # sandbox | production | staging | custom
    base_url = "https://sandbox-compliance.api.reap.global"
    added_at = 2026-03-01T09:30:00.123456+00:00
    uploaded_at = ...                     # optional

    [batch.snapshot]                      # only in files of earlier versions: the last
                                          # known state, read and written back as it was
                                          # until the dashboard moves it to the state database
    phase = "polling"                     # a reap_tui.engine.state.Phase value
    status = "in_progress"                # optional, like every key below
    total_records = 19
    processed_records = 7
    failed_records = 1
    successful_records = 6
    created_at = 2026-03-01T09:29:58+00:00
    updated_at = ...
    started_at = ...
    completed_at = ...
    checked_at = ...

    [[pending_upload]]                    # an upload sent (or about to be) but not answered
    file_sha256 = "9f86d081..."           # the file's SHA-256, lower-case hex
    base_url = "https://sandbox-compliance.api.reap.global"
    environment = "sandbox"
    idempotency_key = "2c5e0f3a-..."      # reused by a retry of the same file to the same URL
    file_path = "/home/ana/march.csv"
    label = "March onboarding"            # omitted when empty
    started_at = 2026-03-01T09:29:50.5+00:00

    [[import]]                            # a named group of batches: see `imports_codec`

Every time is a TOML offset datetime written in UTC; absent values are omitted (TOML has no
null). Unknown keys are errors, so a hand edit with a typo is reported instead of lost.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.clock import to_datetime
from reap_tui.engine.state import Phase
from reap_tui.store.errors import WatchListError
from reap_tui.store.imports import Import
from reap_tui.store.model import Entry, InvalidEntry, PendingUpload, Snapshot, Source

SCHEMA_VERSION = 1
HEADER = "# reap-tui watch list; edit it only while reap-tui is closed.\n"

Item = Entry | InvalidEntry
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

_TOML_POSITION = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")
_BATCH_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*batch[ \t]*\]\]", re.MULTILINE)
_ENTRY_KEYS = {f.name for f in fields(Entry)}
_PENDING_KEYS = {f.name for f in fields(PendingUpload)}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SNAPSHOT_KEYS = {f.name for f in fields(Snapshot)}
_SNAPSHOT_TIMES = ("created_at", "updated_at", "started_at", "completed_at")
_SNAPSHOT_COUNTS = ("total_records", "processed_records", "failed_records", "successful_records")


@dataclass(frozen=True)
class Document:
    items: list[Item]
    pending_uploads: list[PendingUpload]
    imports: list[Import] = field(default_factory=list)


def decode(path: Path, data: bytes) -> Document:
    """The contents of a watch-list file, or WatchListError saying what is wrong and where."""
    text = _text(path, data)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        where = position.group(1) if position else None
        if where == "end of document":
            where = f"line {text.count(chr(10)) + 1}, the end of the file: was it cut short?"
        raise WatchListError(
            path, f"not valid TOML: {_TOML_POSITION.sub('', message)}", where
        ) from None
    version = document.get("schema_version")
    if version is None:
        raise WatchListError(path, "schema_version is missing (expected schema_version = 1)")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise WatchListError(
            path,
            f"schema_version = {version!r} is not supported: this reap-tui reads version "
            f"{SCHEMA_VERSION} (was the file written by a newer reap-tui?)",
            "field schema_version",
        )
    unknown = sorted(document.keys() - {"schema_version", "batch", "pending_upload", "import"})
    if unknown:
        raise WatchListError(path, f"unknown top-level key {unknown[0]!r}", f"field {unknown[0]}")
    tables = document.get("batch", [])
    if not isinstance(tables, list):
        raise WatchListError(path, "batch must be an array of tables ([[batch]])", "field batch")
    table_lines = _line_numbers(text, [m.start() for m in _BATCH_HEADER.finditer(text)])
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, table in enumerate(tables, start=1):
        line = table_lines[number - 1] if len(table_lines) == len(tables) else None
        where = f"line {line}, " if line else ""
        reader = _TableReader(path, f"{where}[[batch]] #{number}")
        if not isinstance(table, dict):
            raise WatchListError(path, "expected a table", reader.where)
        item = _entry(reader, number, table, seen)
        if isinstance(item, Entry):
            seen[item.batch_id] = number
        items.append(item)
    pending_uploads = _pending_uploads(path, document.get("pending_upload", []))
    return Document(items, pending_uploads, _imports(path, document.get("import", [])))


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """The 1-based line of each offset (ascending), counting each stretch of text once."""
    lines, line, counted = [], 1, 0
    for offset in offsets:
        line += text.count("\n", counted, offset)
        counted = offset
        lines.append(line)
    return lines


def encode(
    items: list[Item],
    pending_uploads: list[PendingUpload] | None = None,
    imports: list[Import] | None = None,
) -> bytes:
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if items:
        document["batch"] = [
            item.table if isinstance(item, InvalidEntry) else _entry_table(item) for item in items
        ]
    if pending_uploads:
        document["pending_upload"] = [_pending_table(pending) for pending in pending_uploads]
    if imports:
        from reap_tui.store.imports_codec import import_tables  # here: see _imports

        document["import"] = import_tables(imports)
    return (HEADER + tomli_w.dumps(document)).encode("utf-8")


def _imports(path: Path, tables: Any) -> list[Import]:
    # Imported here: imports_codec reads its tables with this module's _TableReader.
    from reap_tui.store.imports_codec import read_imports

    return read_imports(path, tables)


def _text(path: Path, data: bytes) -> str:
    if not data:
        raise WatchListError(path, "the file is empty (0 bytes)")
    if not data.strip(b"\x00"):
        raise WatchListError(
            path, f"the file is all NUL bytes ({len(data)} bytes), as a crash can leave it"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise WatchListError(path, "the file contains NUL bytes", _byte_position(data, nul))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WatchListError(
            path,
            f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be decoded)",
            _byte_position(data, error.start),
        ) from None


def _byte_position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, byte {column}"


class _TableReader:
    """Typed access to one table's keys, naming the field in every error."""

    def __init__(self, path: Path, where: str) -> None:
        self.path = path
        self.where = where

    def error(self, key: str, problem: str) -> WatchListError:
        return WatchListError(self.path, problem, f"{self.where}, field {key}")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        expected: str,
        check: Callable[[Any], bool],
        convert: Callable[[Any], T],
    ) -> T | None:
        if key not in table:
            return None
        value = table[key]
        if not check(value):
            raise self.error(key, f"expected {expected}, got {_describe(value)}")
        return convert(value)

    def require(self, table: Mapping[str, Any], key: str, value: T | None) -> T:
        if value is None:
            raise self.error(key, "this field is required")
        return value

    def string(self, table: Mapping[str, Any], key: str) -> str | None:
        return self.get(table, key, "a string", lambda v: isinstance(v, str), str)

    def count(self, table: Mapping[str, Any], key: str) -> int | None:
        """A record count as the server last sent it: a negative one is kept (an anomaly the
        dashboard shows), so any whole number is read back."""
        return self.get(table, key, "a whole number", lambda v: type(v) is int, int)

    def time(self, table: Mapping[str, Any], key: str) -> datetime | None:
        return self.get(
            table,
            key,
            "a date-time with a UTC offset (e.g. 2026-03-01T09:30:00Z)",
            lambda v: isinstance(v, datetime) and v.tzinfo is not None,
            lambda v: v.astimezone(UTC),
        )

    def timestamp(self, table: Mapping[str, Any], key: str) -> float | None:
        moment = self.time(table, key)
        return None if moment is None else moment.timestamp()

    def choice(self, table: Mapping[str, Any], key: str, choices: type[E]) -> E | None:
        values = [member.value for member in choices]
        return self.get(
            table, key, "one of " + ", ".join(map(repr, values)), lambda v: v in values, choices
        )

    def reject_unknown(self, table: Mapping[str, Any], known: set[str]) -> None:
        unknown = sorted(table.keys() - known)
        if unknown:
            raise self.error(unknown[0], "unknown field")


def _entry(reader: _TableReader, number: int, table: dict[str, Any], seen: dict[str, int]) -> Item:
    raw_id = table.get("batch_id")
    if not isinstance(raw_id, str):
        return InvalidEntry(number, table, f"{reader.where}: batch_id is missing or not a string")
    try:
        batch_id = parse_batch_id(raw_id)
    except InvalidBatchId as error:
        return InvalidEntry(number, table, f"{reader.where}: {error}")
    if batch_id in seen:
        return InvalidEntry(
            number, table, f"{reader.where}: batch {batch_id} is already entry #{seen[batch_id]}"
        )
    reader.where += f" ({batch_id[:8]})"
    reader.reject_unknown(table, _ENTRY_KEYS)
    snapshot = reader.get(
        table, "snapshot", "a table", lambda v: isinstance(v, dict), lambda v: _snapshot(reader, v)
    )
    return Entry(
        batch_id=batch_id,
        added_at=reader.require(table, "added_at", reader.timestamp(table, "added_at")),
        source=reader.require(table, "source", reader.choice(table, "source", Source)),
        environment=reader.require(table, "environment", reader.string(table, "environment")),
        base_url=reader.require(table, "base_url", reader.string(table, "base_url")),
        label=reader.string(table, "label") or "",
        uploaded_at=reader.timestamp(table, "uploaded_at"),
        snapshot=snapshot,
    )


def _snapshot(entry_reader: _TableReader, table: dict[str, Any]) -> Snapshot:
    reader = _TableReader(entry_reader.path, entry_reader.where + ", snapshot")
    reader.reject_unknown(table, _SNAPSHOT_KEYS)
    return Snapshot(
        phase=reader.require(table, "phase", reader.choice(table, "phase", Phase)),
        status=reader.string(table, "status"),
        total_records=reader.count(table, "total_records"),
        processed_records=reader.count(table, "processed_records"),
        failed_records=reader.count(table, "failed_records"),
        successful_records=reader.count(table, "successful_records"),
        created_at=reader.time(table, "created_at"),
        updated_at=reader.time(table, "updated_at"),
        started_at=reader.time(table, "started_at"),
        completed_at=reader.time(table, "completed_at"),
        checked_at=reader.timestamp(table, "checked_at"),
    )


def _pending_uploads(path: Path, tables: Any) -> list[PendingUpload]:
    if not isinstance(tables, list):
        raise WatchListError(
            path,
            "pending_upload must be an array of tables ([[pending_upload]])",
            "field pending_upload",
        )
    found: list[PendingUpload] = []
    for number, table in enumerate(tables, start=1):
        reader = _TableReader(path, f"[[pending_upload]] #{number}")
        if not isinstance(table, dict):
            raise WatchListError(path, "expected a table", reader.where)
        reader.reject_unknown(table, _PENDING_KEYS)
        digest = reader.require(table, "file_sha256", reader.string(table, "file_sha256"))
        if not _SHA256.fullmatch(digest):
            raise reader.error("file_sha256", "expected 64 lower-case hex digits (a SHA-256)")
        found.append(
            PendingUpload(
                file_sha256=digest,
                base_url=reader.require(table, "base_url", reader.string(table, "base_url")),
                environment=reader.require(
                    table, "environment", reader.string(table, "environment")
                ),
                idempotency_key=reader.require(
                    table, "idempotency_key", reader.string(table, "idempotency_key")
                ),
                file_path=reader.require(table, "file_path", reader.string(table, "file_path")),
                started_at=reader.require(
                    table, "started_at", reader.timestamp(table, "started_at")
                ),
                label=reader.string(table, "label") or "",
            )
        )
    return found


def _pending_table(pending: PendingUpload) -> dict[str, Any]:
    table: dict[str, Any] = {
        "file_sha256": pending.file_sha256,
        "base_url": pending.base_url,
        "environment": pending.environment,
        "idempotency_key": pending.idempotency_key,
        "file_path": pending.file_path,
    }
    if pending.label:
        table["label"] = pending.label
    table["started_at"] = to_datetime(pending.started_at)
    return table


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, datetime):
        return "a date-time without a UTC offset" if value.tzinfo is None else "a date-time"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _entry_table(entry: Entry) -> dict[str, Any]:
    table: dict[str, Any] = {"batch_id": entry.batch_id}
    if entry.label:
        table["label"] = entry.label
    table["source"] = entry.source.value
    table["environment"] = entry.environment
    table["base_url"] = entry.base_url
    table["added_at"] = to_datetime(entry.added_at)
    if entry.uploaded_at is not None:
        table["uploaded_at"] = to_datetime(entry.uploaded_at)
    if entry.snapshot is not None:
        table["snapshot"] = _snapshot_table(entry.snapshot)
    return table


def _snapshot_table(snapshot: Snapshot) -> dict[str, Any]:
    table: dict[str, Any] = {"phase": snapshot.phase.value}
    if snapshot.status is not None:
        table["status"] = snapshot.status
    for key in _SNAPSHOT_COUNTS:
        if (count := getattr(snapshot, key)) is not None:
            table[key] = count
    for key in _SNAPSHOT_TIMES:
        if (moment := getattr(snapshot, key)) is not None:
            # A naive time from the server is taken as UTC, as the API documents its times.
            aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            table[key] = aware.astimezone(UTC)
    if snapshot.checked_at is not None:
        table["checked_at"] = to_datetime(snapshot.checked_at)
    return table
