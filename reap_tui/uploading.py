"""One upload, from a CSV on disk to a watched batch; shared by `reap-tui upload` and the dashboard.

The order is what makes a retry safe. The file is read once, so the bytes validated are the
bytes hashed and sent. The pending upload, with its Idempotency-Key, is saved before the
request, and the exact bytes beside the watch list (`SavedBytes`); it is cleared, and the
bytes deleted, only once Reap has answered: with a batch (watched in the same write) or with a
refusal that created nothing. After a timeout, a dropped connection, a 5xx or an unreadable 2xx
the outcome is unknown, so it stays: the next upload of the same bytes to the same base URL
sends the same key, and `finish_pending` sends the saved bytes again with it, whatever has
become of the file since.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import UploadReceipt
from reap_tui.batchfile import (
    MAX_BYTES,
    UnreadableFile,
    ValidationReport,
    format_size,
    validate_bytes,
    validate_file,
)
from reap_tui.clock import Clock
from reap_tui.files import open_regular
from reap_tui.store import Entry, PendingUpload, WatchList, WatchListError
from reap_tui.store.saved_bytes import SavedBytes
from reap_tui.text import clean

# Failures after which Reap may or may not have created the batch.
OUTCOME_UNKNOWN = frozenset(
    {FailureKind.TIMEOUT, FailureKind.NETWORK, FailureKind.SERVER_ERROR, FailureKind.MALFORMED}
)


@dataclass(frozen=True)
class BatchFile:
    """A CSV read for upload. `data` is None when the file is over the size limit (not read)."""

    path: Path
    data: bytes | None
    report: ValidationReport

    @property
    def name(self) -> str:
        """The file name sent to Reap (untrusted: clean it before showing it)."""
        return self.path.name

    @property
    def description(self) -> str:
        """`march.csv (3 data rows, 222 bytes)`, the name made safe to show."""
        rows = self.report.data_rows or 0
        size = format_size(self.report.size_bytes)
        return f"{clean(self.name, limit=80)} ({rows:,} data row{'' if rows == 1 else 's'}, {size})"

    @property
    def uploadable(self) -> bool:
        return self.data is not None and self.report.ok

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data or b"").hexdigest()


def read_batch_file(path: Path) -> BatchFile:
    """Read and validate a CSV; UnreadableFile if it cannot be read or is not a regular file."""
    try:
        with open_regular(path) as stream:
            if os.fstat(stream.fileno()).st_size > MAX_BYTES:
                return BatchFile(path, None, validate_file(path))  # reports the size, unread
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UnreadableFile(f"cannot read {os.fspath(path)}: {reason}") from None
    return BatchFile(path, data, validate_bytes(data))


def begin_upload(
    watchlist: WatchList,
    batch_file: BatchFile,
    *,
    environment: str,
    base_url: str,
    label: str,
    clock: Clock,
) -> tuple[PendingUpload, bool]:
    """The pending upload to send, saved with its bytes; True when it is an earlier one whose
    key is reused.

    Raises WatchListError or OSError when the watch list or the bytes cannot be written: then
    nothing may be sent.
    """
    assert batch_file.data is not None, "begin only a file that was read"
    proposed = PendingUpload(
        file_sha256=batch_file.sha256,
        base_url=base_url,
        environment=environment,
        idempotency_key=str(uuid.uuid4()),
        file_path=storable_path(batch_file.path),
        started_at=clock.now(),
        label=label,
    )
    saved = SavedBytes.beside(watchlist.path)
    saved.save(proposed.idempotency_key, batch_file.data)
    try:
        pending, reused = watchlist.begin_upload(proposed)
    except BaseException:
        saved.discard(proposed.idempotency_key)
        raise
    if reused:
        saved.discard(proposed.idempotency_key)
        if not saved.has(pending.idempotency_key):
            # The same SHA-256: these are the bytes the earlier try sent.
            saved.save(pending.idempotency_key, batch_file.data)
    return pending, reused


def earlier_uploads_of(
    watchlist: WatchList, path: Path, base_url: str, *, other_than: str | None = None
) -> list[PendingUpload]:
    """Pending uploads of this path to this URL, but for the content `other_than` (a SHA-256):
    they are finished from their own bytes before the file is uploaded (the same content is
    sent again with its key instead)."""
    stored = storable_path(path)
    return [
        pending
        for pending in watchlist.pending_uploads
        if pending.file_path == stored
        and pending.base_url == base_url
        and pending.file_sha256 != other_than
    ]


@dataclass(frozen=True)
class UploadOutcome:
    receipt: UploadReceipt | None
    failure: ApiFailure | None
    entry: Entry | None  # the watched batch; None if the upload failed or could not be saved
    pending_kept: bool  # the outcome is unknown: uploading the same file again reuses the key
    save_problem: str = ""  # the batch exists but the watch list could not record it

    def advised_failure(self, again: str) -> ApiFailure | None:
        """The failure with advice for an upload; `again` says how to retry ("run the same
        command again"). The catalogue's advice is for status checks, which retry by themselves.
        """
        failure = self.failure
        if failure is None:
            return None
        if self.pending_kept:
            action = (
                f"The upload may have reached Reap; {again}: it reuses the idempotency key, "
                "so Reap will not create a second batch."
            )
        elif failure.kind is FailureKind.RATE_LIMITED:
            wait = "a while" if failure.retry_after is None else f"{failure.retry_after:.0f} s"
            action = f"Nothing was uploaded. Wait {wait}, then {again}."
        else:
            return failure
        return dataclasses.replace(failure, action=action)


async def send_upload(
    client: ReapClient,
    watchlist: WatchList,
    batch_file: BatchFile,
    pending: PendingUpload,
    *,
    label: str,
    clock: Clock,
) -> UploadOutcome:
    """Send the file with the pending upload's key and record what came of it."""
    assert batch_file.data is not None, "send only a file that was read"
    return await _send(
        client, watchlist, batch_file.name, batch_file.data, pending, label=label, clock=clock
    )


async def finish_pending(
    client: ReapClient, watchlist: WatchList, pending: PendingUpload, *, clock: Clock
) -> UploadOutcome | None:
    """Send a pending upload again, its saved bytes with its key, and record what came of it;
    None when its bytes are not kept (an earlier version did not keep them) or not intact."""
    saved = SavedBytes.beside(watchlist.path)
    data = saved.load(pending.idempotency_key, pending.file_sha256)
    if data is None:
        return None
    name = Path(pending.file_path).name
    return await _send(client, watchlist, name, data, pending, label=pending.label, clock=clock)


async def _send(
    client: ReapClient,
    watchlist: WatchList,
    name: str,
    data: bytes,
    pending: PendingUpload,
    *,
    label: str,
    clock: Clock,
) -> UploadOutcome:
    saved = SavedBytes.beside(watchlist.path)
    result = await client.upload_batch(name, data, idempotency_key=pending.idempotency_key)
    label = label or pending.label
    if result.receipt is not None:
        try:
            added = watchlist.finish_upload(
                pending, result.receipt.batch_id, label=label, uploaded_at=clock.now()
            )
        except (WatchListError, OSError) as error:
            # The pending upload is still saved: uploading again gets this batch back.
            return UploadOutcome(result.receipt, None, None, True, save_problem=str(error))
        saved.discard(pending.idempotency_key)
        return UploadOutcome(result.receipt, None, added.entry, pending_kept=False)
    failure = result.failure
    assert failure is not None
    if failure.kind in OUTCOME_UNKNOWN:
        return UploadOutcome(None, failure, None, pending_kept=True)
    # If this cannot be saved, a later upload of the file reuses a key that created nothing.
    with contextlib.suppress(WatchListError, OSError):
        watchlist.abandon_upload(pending)
        saved.discard(pending.idempotency_key)
    return UploadOutcome(None, failure, None, pending_kept=False)


def sweep_saved_bytes(watchlist: WatchList, now: float) -> None:
    """Remove saved bytes that no pending upload or unsent chunk of the list uses any more (and
    old enough that no program can be about to record them: `SavedBytes.sweep`)."""
    keys = [pending.idempotency_key for pending in watchlist.pending_uploads]
    keys += [chunk.idempotency_key for each in watchlist.imports for chunk in each.unsent]
    SavedBytes.beside(watchlist.path).sweep(keys, now)


def storable_path(path: Path) -> str:
    """The absolute path as text a TOML file can hold (undecodable bytes become U+FFFD)."""
    return os.fsencode(path.absolute()).decode("utf-8", "replace")
