"""Sending an import's chunks one after another, resuming wherever an earlier run stopped.

A chunk with a batch id is never sent again. Each other chunk is sent, in order, with its own
idempotency key and its saved bytes (`SavedBytes`), so the chunk that was out when a run was
interrupted is sent again exactly as it was, and Reap answers with the batch it made then. Its
batch joins the watch list and the import in one write as soon as its id is known; then its
bytes are deleted. A run stops at the first chunk whose outcome is not a batch: the plan stays
as saved, for the next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.api.errors import ApiFailure
from reap_tui.api.models import UploadReceipt
from reap_tui.chunking import SourceChanged, SplitError, chunk_bytes, split_stream
from reap_tui.clock import Clock
from reap_tui.files import open_regular
from reap_tui.import_plan import chunk_filename, chunk_label
from reap_tui.store import AddResult, Entry, WatchList, WatchListError
from reap_tui.store.imports import Import, ImportChunk, find, with_chunk_batch
from reap_tui.store.model import Source
from reap_tui.store.saved_bytes import SavedBytes
from reap_tui.uploading import OUTCOME_UNKNOWN


@dataclass(frozen=True)
class ChunkSending:
    number: int
    chunk: ImportChunk
    again: bool  # its bytes were saved by an earlier run: it may have reached Reap already


@dataclass(frozen=True)
class ChunkUploaded:
    number: int
    chunk: ImportChunk  # with its batch id
    receipt: UploadReceipt
    entry: Entry  # the watched batch


ImportEvent = ChunkSending | ChunkUploaded


@dataclass(frozen=True)
class ImportRun:
    """What came of one run over an import's unsent chunks."""

    imported: Import  # as last saved
    uploaded: tuple[ChunkUploaded, ...]
    stopped_at: int | None = None  # the number of the chunk the run stopped at
    failure: ApiFailure | None = None
    outcome_unknown: bool = False  # the chunk may have reached Reap: sending it again is safe
    problem: str = ""  # a local reason the run stopped (bytes lost, watch list not writable)

    @property
    def complete(self) -> bool:
        return self.stopped_at is None


async def send_import(
    client: ReapClient,
    watchlist: WatchList,
    imported: Import,
    *,
    clock: Clock,
    on_event: Callable[[ImportEvent], None] | None = None,
    resumed: bool = False,
) -> ImportRun:
    """Send every chunk of `imported` that has no batch id yet. `resumed`: the plan comes
    from an earlier run (its first unsent chunk may be the one that was out)."""
    saved = SavedBytes.beside(watchlist.path)
    current = imported
    uploaded: list[ChunkUploaded] = []
    first = True
    for number, chunk in enumerate(imported.chunks, start=1):
        if chunk.batch_id is not None:
            saved.discard(chunk.idempotency_key)  # left by a run stopped right after its record
            continue
        data = saved.load(chunk.idempotency_key, chunk.sha256) or rebuild_chunk(current, number)
        if data is None:
            return ImportRun(current, tuple(uploaded), number, problem=_lost(current, number))
        if on_event:
            on_event(ChunkSending(number, chunk, again=resumed and first))
        first = False
        result = await client.upload_batch(
            chunk_filename(current, number), data, idempotency_key=chunk.idempotency_key
        )
        if result.receipt is None:
            failure = result.failure
            assert failure is not None
            unknown = failure.kind in OUTCOME_UNKNOWN
            return ImportRun(current, tuple(uploaded), number, failure, outcome_unknown=unknown)
        batch_id = result.receipt.batch_id
        now = clock.now()
        entry = Entry(
            batch_id=batch_id,
            added_at=now,
            source=Source.UPLOAD,
            environment=current.environment,
            base_url=current.base_url,
            label=chunk_label(current, number),
            uploaded_at=now,
        )
        added, problem = _record(watchlist, current, number, chunk, entry)
        if added is None:
            return ImportRun(current, tuple(uploaded), number, problem=problem)
        saved.discard(chunk.idempotency_key)
        current = find(watchlist.imports, current.name, current.base_url) or current
        event = ChunkUploaded(number, current.chunks[number - 1], result.receipt, added.entry)
        uploaded.append(event)
        if on_event:
            on_event(event)
    return ImportRun(current, tuple(uploaded))


def rebuild_chunk(imported: Import, number: int) -> bytes | None:
    """Chunk `number`'s bytes cut again from the source file, if it still holds the content
    the plan was made from (its saved copy is gone); None otherwise."""
    source = imported.source
    if source is None:
        return None
    try:
        with open_regular(Path(source.path)) as stream:
            plan = split_stream(stream)
            if plan.source_sha256 != source.sha256 or len(plan.chunks) != len(imported.chunks):
                return None
            data = chunk_bytes(stream, plan, plan.chunks[number - 1])
    except (OSError, SplitError, SourceChanged):
        return None
    return data if hashlib.sha256(data).hexdigest() == imported.chunks[number - 1].sha256 else None


class _ImportGone(Exception):
    pass


def _record(
    watchlist: WatchList, imported: Import, number: int, chunk: ImportChunk, entry: Entry
) -> tuple[AddResult | None, str]:
    """Watch the chunk's new batch and record it in the import, in one write; or say why not."""
    batch_id = entry.batch_id
    try:
        try:
            (added,) = watchlist.change_imports(
                _recording(imported, chunk.idempotency_key, batch_id), [entry]
            )
        except _ImportGone:
            watchlist.add_many([entry])
            return None, (
                f"the import {imported.name!r} was removed from the watch list while it was "
                f"being uploaded; batch {batch_id} (chunk {number}) is watched on its own"
            )
    except (WatchListError, OSError) as error:
        return None, (
            f"chunk {number} was uploaded as batch {batch_id}, but the watch list could not "
            f"record it: {error}\nRun the same command again: it sends the chunk with the "
            "same idempotency key and gets this batch back"
        )
    return added, ""


def _recording(
    imported: Import, idempotency_key: str, batch_id: str
) -> Callable[[list[Import]], list[Import]]:
    def change(imports: list[Import]) -> list[Import]:
        changed = with_chunk_batch(
            imports, imported.name, imported.base_url, idempotency_key, batch_id
        )
        if changed is None:
            raise _ImportGone
        return changed

    return change


def _lost(imported: Import, number: int) -> str:
    chunk = imported.chunks[number - 1]
    source = imported.source
    restore = (
        f"Put {source.path} back as it was (SHA-256 {source.sha256}) and run the same command again"
        if source
        else "Upload its rows again as a new import"
    )
    return (
        f"chunk {number} ({chunk.rows_text}) cannot be sent: its saved copy is gone and the "
        f"source file no longer holds the content it was planned from.\n{restore}"
    )
