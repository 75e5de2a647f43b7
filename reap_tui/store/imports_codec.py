"""The `[[import]]` tables of the watch-list file, read as strictly as the rest of it.

[[import]]
name = "March"
environment = "sandbox"
base_url = "https://sandbox-compliance.api.reap.global"
created_at = 2026-03-01T09:30:00Z
batch_ids = ["784d4045-...", "0a1b2c3d-..."]     # the members in order; omitted when none

[import.source]                       # only for an import split from a file
path = "/home/ana/march.csv"
sha256 = "9f86d081..."                # the whole file's, lower-case hex
size_bytes = 2345678
data_rows = 23456

[[import.chunk]]                      # one per upload, in order
first_row = 2                         # spreadsheet rows of the source
last_row = 5001
rows = 5000
size_bytes = 412345
sha256 = "5e884898..."                # the chunk's bytes (header included)
idempotency_key = "2c5e0f3a-..."
batch_id = "784d4045-..."             # once Reap has answered
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.clock import to_datetime
from reap_tui.store.codec import _TableReader
from reap_tui.store.errors import WatchListError
from reap_tui.store.imports import Import, ImportChunk, ImportSource

_IMPORT_KEYS = {"name", "environment", "base_url", "created_at", "batch_ids", "source", "chunk"}
_SOURCE_KEYS = {"path", "sha256", "size_bytes", "data_rows"}
_CHUNK_KEYS = {
    "first_row",
    "last_row",
    "rows",
    "size_bytes",
    "sha256",
    "idempotency_key",
    "batch_id",
}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_imports(path: Path, tables: Any) -> list[Import]:
    """The `import` array of a watch-list document; WatchListError naming the bad field."""
    if not isinstance(tables, list):
        raise WatchListError(path, "import must be an array of tables ([[import]])", "field import")
    found: list[Import] = []
    member_of: dict[str, str] = {}
    for number, table in enumerate(tables, start=1):
        reader = _TableReader(path, f"[[import]] #{number}")
        if not isinstance(table, dict):
            raise WatchListError(path, "expected a table", reader.where)
        imported = _import(reader, table)
        for other in found:
            if other.is_named(imported.name, imported.base_url):
                raise reader.error("name", f"the name {imported.name!r} is used twice")
        for batch_id in imported.batch_ids:
            if batch_id in member_of:
                raise reader.error(
                    "batch_ids", f"batch {batch_id} is also in the import {member_of[batch_id]!r}"
                )
            member_of[batch_id] = imported.name
        found.append(imported)
    return found


def import_tables(imports: list[Import]) -> list[dict[str, Any]]:
    return [_import_table(each) for each in imports]


def _import(reader: _TableReader, table: dict[str, Any]) -> Import:
    reader.reject_unknown(table, _IMPORT_KEYS)
    name = _required_string(reader, table, "name")
    reader.where += f" ({name[:40]!r})"
    batch_ids = reader.get(
        table, "batch_ids", "an array of batch ids", lambda v: isinstance(v, list), list
    )
    members: list[str] = []
    for value in batch_ids or []:
        batch_id = _batch_id(reader, "batch_ids", value)
        if batch_id in members:
            raise reader.error("batch_ids", f"batch {batch_id} is listed twice")
        members.append(batch_id)
    source = reader.get(
        table, "source", "a table", lambda v: isinstance(v, dict), lambda v: _source(reader, v)
    )
    chunk_tables = reader.get(
        table, "chunk", "an array of tables ([[import.chunk]])", _is_table_list, list
    )
    chunks = tuple(
        _chunk(_TableReader(reader.path, f"{reader.where}, chunk #{n}"), chunk)
        for n, chunk in enumerate(chunk_tables or [], start=1)
    )
    if chunks and source is None:
        raise reader.error("source", "an import with chunks needs its [import.source]")
    return Import(
        name=name,
        environment=_required_string(reader, table, "environment"),
        base_url=_required_string(reader, table, "base_url"),
        created_at=reader.require(table, "created_at", reader.timestamp(table, "created_at")),
        batch_ids=tuple(members),
        source=source,
        chunks=chunks,
    )


def _source(import_reader: _TableReader, table: dict[str, Any]) -> ImportSource:
    reader = _TableReader(import_reader.path, f"{import_reader.where}, source")
    reader.reject_unknown(table, _SOURCE_KEYS)
    return ImportSource(
        path=_required_string(reader, table, "path"),
        sha256=_digest(reader, table),
        size_bytes=_whole_number(reader, table, "size_bytes", minimum=0),
        data_rows=_whole_number(reader, table, "data_rows", minimum=0),
    )


def _chunk(reader: _TableReader, table: dict[str, Any]) -> ImportChunk:
    reader.reject_unknown(table, _CHUNK_KEYS)
    first_row = _whole_number(reader, table, "first_row", minimum=1)
    last_row = _whole_number(reader, table, "last_row", minimum=first_row)
    raw_batch_id = reader.string(table, "batch_id")
    return ImportChunk(
        first_row=first_row,
        last_row=last_row,
        rows=_whole_number(reader, table, "rows", minimum=1),
        size_bytes=_whole_number(reader, table, "size_bytes", minimum=1),
        sha256=_digest(reader, table),
        idempotency_key=_required_string(reader, table, "idempotency_key"),
        batch_id=None if raw_batch_id is None else _batch_id(reader, "batch_id", raw_batch_id),
    )


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(each, dict) for each in value)


def _required_string(reader: _TableReader, table: Mapping[str, Any], key: str) -> str:
    value = reader.require(table, key, reader.string(table, key))
    if not value.strip():
        raise reader.error(key, "must not be empty")
    return value


def _whole_number(reader: _TableReader, table: Mapping[str, Any], key: str, *, minimum: int) -> int:
    value = reader.require(table, key, reader.count(table, key))
    if value < minimum:
        raise reader.error(key, f"expected a whole number of at least {minimum:,}, got {value:,}")
    return value


def _digest(reader: _TableReader, table: Mapping[str, Any]) -> str:
    digest = _required_string(reader, table, "sha256")
    if not _SHA256.fullmatch(digest):
        raise reader.error("sha256", "expected 64 lower-case hex digits (a SHA-256)")
    return digest


def _batch_id(reader: _TableReader, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise reader.error(key, "expected batch ids (strings)")
    try:
        return parse_batch_id(value)
    except InvalidBatchId as error:
        raise reader.error(key, str(error)) from None


def _import_table(imported: Import) -> dict[str, Any]:
    table: dict[str, Any] = {
        "name": imported.name,
        "environment": imported.environment,
        "base_url": imported.base_url,
        "created_at": to_datetime(imported.created_at),
    }
    if imported.batch_ids:
        table["batch_ids"] = list(imported.batch_ids)
    if imported.source is not None:
        source = imported.source
        table["source"] = {
            "path": source.path,
            "sha256": source.sha256,
            "size_bytes": source.size_bytes,
            "data_rows": source.data_rows,
        }
    if imported.chunks:
        table["chunk"] = [_chunk_table(chunk) for chunk in imported.chunks]
    return table


def _chunk_table(chunk: ImportChunk) -> dict[str, Any]:
    table: dict[str, Any] = {
        "first_row": chunk.first_row,
        "last_row": chunk.last_row,
        "rows": chunk.rows,
        "size_bytes": chunk.size_bytes,
        "sha256": chunk.sha256,
        "idempotency_key": chunk.idempotency_key,
    }
    if chunk.batch_id is not None:
        table["batch_id"] = chunk.batch_id
    return table
