"""Which changes of a batch deserve a notification: it ends, times out, first shows failed
records, or the key is refused. Pure: the previous and the new state in, notices out.

A batch of an import is not announced when it completes (its import's finish is: see
`import_rows`); its failure, a 404 or a time-out still is, with the import named. Each notice
has a `kind`: notices of one kind close together are merged into one toast
(`notifications.Notifier`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reap_tui import format as fmt
from reap_tui.api.ids import short_id
from reap_tui.api.models import StatusKind
from reap_tui.engine.state import BatchState, Phase
from reap_tui.text import clean

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Notice:
    title: str
    message: str
    severity: Severity
    kind: str = ""
    """What it is about, for merging: one of KINDS' keys, or "" (never merged)."""
    subject: str = ""
    """The batch or import it names, as a merged text lists it."""
    flagged: bool = False
    """A completion with failed records."""


# kind -> how a merged toast says several of them: (title, "{n} batches ..." wording).
KINDS: dict[str, tuple[str, str]] = {
    "completed": ("Completed", "{n} batches completed"),
    "failed-records": ("Failed records", "{n} batches have failed records"),
    "batch-failed": ("Batches failed", "{n} batches failed"),
    "timed-out": ("Stopped checking", "{n} batches stopped being checked; press R to check again"),
    "not-found": ("Batches not found", "{n} batches: Reap has no such batch"),
    "import-finished": ("Imports finished", "{n} imports finished"),
    "import-stalled": ("Imports stalled", "{n} imports stalled"),
    "import-moving": ("Imports moving again", "{n} imports moving again"),
}


def name_of(state: BatchState) -> str:
    return clean(state.label, limit=40) if state.label else short_id(state.batch_id)


def _failed(state: BatchState | None) -> int:
    return state.status.failed_records if state and state.status else 0


def notices_for(
    before: BatchState | None, after: BatchState, *, in_import: str | None = None
) -> list[Notice]:
    """What changed from `before` to `after` that a person should hear about; `in_import`: the
    name of the import the batch belongs to.

    The first state seen for a batch (`before` is None) is news only if it is already bad:
    a restored list must not replay old completions as toasts.
    """
    if before is None:
        return []
    name = name_of(after)
    if in_import is not None:
        name = f"{name} (import '{clean(in_import, limit=40)}')"
    found: list[Notice] = []
    kind, was = after.status_kind, before.status_kind
    if kind is StatusKind.COMPLETED and was is not StatusKind.COMPLETED:
        if in_import is None:  # else told by the import when it finishes
            found.append(_completed(name, after))
    elif kind is StatusKind.FAILED and was is not StatusKind.FAILED:
        found.append(
            Notice(
                "Batch failed",
                f"{name}: Reap reports the batch failed",
                "error",
                "batch-failed",
                name,
            )
        )
    elif _failed(after) > 0 and _failed(before) == 0 and in_import is None:
        found.append(
            Notice(
                "Failed records",
                f"{name}: {fmt.count(_failed(after))} records failed so far",
                "warning",
                "failed-records",
                name,
            )
        )
    if after.phase is Phase.TIMED_OUT and before.phase is not Phase.TIMED_OUT:
        reason = clean(after.stop_reason, limit=60) or "timed out"
        found.append(
            Notice(
                "Stopped checking",
                # The reason the engine gave, with the window in force (3 min under --speed 10).
                f"{name}: {reason}; press r to check again",
                "warning",
                "timed-out",
                name,
            )
        )
    if after.phase is Phase.NOT_FOUND and before.phase is not Phase.NOT_FOUND:
        found.append(
            Notice(
                "Batch not found",
                f"{name}: Reap has no such batch",
                "error",
                "not-found",
                name,
            )
        )
    return found


def _completed(name: str, state: BatchState) -> Notice:
    failed = _failed(state)
    if not failed:
        return Notice(
            "Completed", f"{name}: every record processed", "information", "completed", name
        )
    total = state.status.total_records if state.status else 0
    return Notice(
        "Completed with failed records",
        f"{name}: {fmt.count(failed)} of {fmt.count(total)} records failed",
        "warning",
        "completed",
        name,
        flagged=True,
    )


def auth_notice(state: BatchState) -> Notice:
    """The key was refused (or there is none): one text for every batch, so it is shown once."""
    sent = state.failure is None or state.failure.http_status is not None
    if sent:
        return Notice(
            "API key refused",
            "Checks are stopped. Press k to enter a key, or set REAP_API_KEY.",
            "error",
        )
    return Notice(
        "No API key",
        "Nothing is sent without one. Press k to enter a key, or set REAP_API_KEY.",
        "error",
    )


def is_new_auth_failure(before: BatchState | None, after: BatchState) -> bool:
    """The key was refused for this batch just now (one toast for all of them, by the caller)."""
    was = before.phase if before else None
    return after.phase is Phase.AUTH_REQUIRED and was is not Phase.AUTH_REQUIRED
