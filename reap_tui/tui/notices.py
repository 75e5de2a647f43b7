"""Which changes deserve a toast: a batch ends, times out, first shows failed records, or the
key is refused. Pure: the previous and the new state in, notices out."""

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


def name_of(state: BatchState) -> str:
    return clean(state.label, limit=40) if state.label else short_id(state.batch_id)


def _failed(state: BatchState | None) -> int:
    return state.status.failed_records if state and state.status else 0


def notices_for(before: BatchState | None, after: BatchState) -> list[Notice]:
    """What changed from `before` to `after` that a person should hear about.

    The first state seen for a batch (`before` is None) is news only if it is already bad:
    a restored list must not replay old completions as toasts.
    """
    if before is None:
        return []
    name = name_of(after)
    found: list[Notice] = []
    kind, was = after.status_kind, before.status_kind
    if kind is StatusKind.COMPLETED and was is not StatusKind.COMPLETED:
        failed = _failed(after)
        if failed:
            found.append(
                Notice(
                    "Completed with failed records",
                    f"{name}: {fmt.count(failed)} of "
                    f"{fmt.count(after.status.total_records if after.status else 0)} "
                    "records failed",
                    "warning",
                )
            )
        else:
            found.append(Notice("Completed", f"{name}: every record processed", "information"))
    elif kind is StatusKind.FAILED and was is not StatusKind.FAILED:
        found.append(Notice("Batch failed", f"{name}: Reap reports the batch failed", "error"))
    elif _failed(after) > 0 and _failed(before) == 0:
        found.append(
            Notice(
                "Failed records",
                f"{name}: {fmt.count(_failed(after))} records failed so far",
                "warning",
            )
        )
    if after.phase is Phase.TIMED_OUT and before.phase is not Phase.TIMED_OUT:
        found.append(
            Notice(
                "Stopped checking",
                # The reason the engine gave, with the window in force (3 min under --speed 10).
                f"{name}: {after.stop_reason or 'timed out'}; press r to check again",
                "warning",
            )
        )
    if after.phase is Phase.NOT_FOUND and before.phase is not Phase.NOT_FOUND:
        found.append(Notice("Batch not found", f"{name}: Reap has no such batch", "error"))
    return found


def is_new_auth_failure(before: BatchState | None, after: BatchState) -> bool:
    """The key was refused for this batch just now (one toast for all of them, by the caller)."""
    was = before.phase if before else None
    return after.phase is Phase.AUTH_REQUIRED and was is not Phase.AUTH_REQUIRED
