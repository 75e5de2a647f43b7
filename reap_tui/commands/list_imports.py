"""What `reap-tui list` shows of imports and pending uploads, and what to do about each.

Text: the batches of each import under its heading, in order, with the chunks not uploaded
yet; then every pending upload. JSON: `imports` and `pendingUploads` lists, and each entry's
`import` (its import's name, or null).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reap_tui import format as fmt
from reap_tui.commands.upload_support import resume_command
from reap_tui.report import iso_timestamp
from reap_tui.store import Entry, PendingUpload, WatchList
from reap_tui.store.imports import Import, describe_origin
from reap_tui.store.saved_bytes import SavedBytes
from reap_tui.text import clean


def resume_advice(environment: str, base_url: str) -> str:
    return f"run {resume_command(environment, base_url)}"


def import_json(imported: Import) -> dict[str, Any]:
    source = imported.source
    return {
        "name": imported.name,
        "environment": imported.environment,
        "baseUrl": imported.base_url,
        "createdAt": iso_timestamp(imported.created_at),
        "sourceFile": None if source is None else source.path,
        "sourceSha256": None if source is None else source.sha256,
        "dataRows": None if source is None else source.data_rows,
        "batchIds": list(imported.batch_ids),
        "chunks": [
            {
                "number": number,
                "firstRow": chunk.first_row,
                "lastRow": chunk.last_row,
                "rows": chunk.rows,
                "sizeBytes": chunk.size_bytes,
                "batchId": chunk.batch_id,
            }
            for number, chunk in enumerate(imported.chunks, start=1)
        ],
        "finished": imported.finished,
        "action": None
        if imported.finished
        else resume_advice(imported.environment, imported.base_url),
    }


def pending_json(pending: PendingUpload, saved: SavedBytes) -> dict[str, Any]:
    kept = saved.has(pending.idempotency_key)
    return {
        "file": pending.file_path,
        "fileSha256": pending.file_sha256,
        "environment": pending.environment,
        "baseUrl": pending.base_url,
        "label": pending.label,
        "startedAt": iso_timestamp(pending.started_at),
        "bytesKept": kept,
        "action": _pending_action(pending, kept),
    }


def listing_json(watchlist: WatchList) -> dict[str, Any]:
    """The `imports` and `pendingUploads` of `list --json`."""
    saved = SavedBytes.beside(watchlist.path)
    return {
        "imports": [import_json(each) for each in watchlist.imports],
        "pendingUploads": [pending_json(each, saved) for each in watchlist.pending_uploads],
    }


def import_names(watchlist: WatchList) -> dict[str, str]:
    """Each member batch's import name."""
    return {batch_id: each.name for each in watchlist.imports for batch_id in each.batch_ids}


def grouped_lines(watchlist: WatchList, line_of: Callable[[Entry], str]) -> list[str]:
    """The entries outside imports, then each import's heading and members; `line_of` is the
    entry's line as `list` prints it."""
    members = import_names(watchlist)
    lines = [line_of(entry) for entry in watchlist.entries if entry.batch_id not in members]
    for imported in watchlist.imports:
        lines.append(_heading(imported))
        for batch_id in imported.batch_ids:
            entry = watchlist.get(batch_id)
            lines.append(f"  {line_of(entry)}" if entry else f"  {batch_id}  (not watched)")
        for number, chunk in enumerate(imported.chunks, start=1):
            if chunk.batch_id is None:
                total = len(imported.chunks)
                lines.append(f"  chunk {number}/{total}, {chunk.rows_text}: not uploaded yet")
        if not imported.finished:
            lines.append(f"  unfinished: {resume_advice(imported.environment, imported.base_url)}")
    return lines


def pending_lines(watchlist: WatchList) -> list[str]:
    saved = SavedBytes.beside(watchlist.path)
    lines = []
    for pending in watchlist.pending_uploads:
        started = fmt.absolute(pending.started_at, utc=True)
        lines.append(
            f"pending upload: {clean(pending.file_path, limit=200)} to "
            f"{clean(pending.environment, limit=30)} ({clean(pending.base_url, limit=200)}), "
            f"started {started}, no answer seen: "
            f"{_pending_action(pending, saved.has(pending.idempotency_key))}"
        )
    return lines


def _heading(imported: Import) -> str:
    total = len(imported.chunks)
    chunks = ""
    if total:
        done = total - len(imported.unsent)
        chunks = f", {done} of {total} chunk{'' if total == 1 else 's'} uploaded"
    return (
        f"import {clean(imported.name)!r} [{clean(imported.environment, limit=30)}] "
        f"{describe_origin(imported)}{chunks}"
    )


def _pending_action(pending: PendingUpload, bytes_kept: bool) -> str:
    if bytes_kept:
        return resume_advice(pending.environment, pending.base_url)
    return (
        "the bytes it sent are unknown (not kept by the version that sent them); upload "
        f"{clean(pending.file_path, limit=200)} again exactly as it was then: it reuses the "
        "idempotency key"
    )
