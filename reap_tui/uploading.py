"""One upload, from a CSV on disk to a watched batch; shared by `reap-tui upload` and the dashboard.

The order is what makes a retry safe. The file is read once, so the bytes validated are the
bytes hashed and sent. The pending upload, with its Idempotency-Key, is saved before the
request; it is cleared only once Reap has answered: with a batch (watched in the same write)
or with a refusal that created nothing. After a timeout, a dropped connection, a 5xx or an
unreadable 2xx the outcome is unknown, so it stays, and the next upload of the same bytes to
the same base URL sends the same key.
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
    """Read and validate a CSV; UnreadableFile if it cannot be read."""
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
    """The pending upload to send, saved; True when it is an earlier one whose key is reused.

    Raises WatchListError or OSError when the watch list cannot be written: then nothing may
    be sent.
    """
    proposed = PendingUpload(
        file_sha256=batch_file.sha256,
        base_url=base_url,
        environment=environment,
        idempotency_key=str(uuid.uuid4()),
        file_path=_storable(batch_file.path.absolute()),
        started_at=clock.now(),
        label=label,
    )
    return watchlist.begin_upload(proposed)


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
    result = await client.upload_batch(
        batch_file.name, batch_file.data, idempotency_key=pending.idempotency_key
    )
    label = label or pending.label
    if result.receipt is not None:
        try:
            added = watchlist.finish_upload(
                pending, result.receipt.batch_id, label=label, uploaded_at=clock.now()
            )
        except (WatchListError, OSError) as error:
            # The pending upload is still saved: uploading again gets this batch back.
            return UploadOutcome(result.receipt, None, None, True, save_problem=str(error))
        return UploadOutcome(result.receipt, None, added.entry, pending_kept=False)
    failure = result.failure
    assert failure is not None
    if failure.kind in OUTCOME_UNKNOWN:
        return UploadOutcome(None, failure, None, pending_kept=True)
    # If this cannot be saved, a later upload of the file reuses a key that created nothing.
    with contextlib.suppress(WatchListError, OSError):
        watchlist.abandon_upload(pending)
    return UploadOutcome(None, failure, None, pending_kept=False)


def _storable(path: Path) -> str:
    """The path as text a TOML file can hold (undecodable bytes become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")
