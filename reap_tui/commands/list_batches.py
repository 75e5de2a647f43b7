"""`reap-tui list [--json]`: every watched batch with its last known state; no request is made."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from reap_tui.commands.common import add_global_options

if TYPE_CHECKING:
    from reap_tui.store import Entry, Snapshot


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "list",
        help="show the watch list with each batch's last known state",
        description="Show every watched batch with the state it had when last checked "
        "(no request is made). Exit 0, or 2 when the watch list or settings are unreadable.",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"watchlist", "entries": [...], "problems": [...]}',
    )
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import settings_from, watchlist_from
    from reap_tui.exitcodes import ExitCode
    from reap_tui.text import clean

    settings = settings_from(args)
    watchlist = watchlist_from(args, SystemClock())
    if args.json:
        document = {
            "watchlist": str(watchlist.path),
            "entries": [entry_json(entry) for entry in watchlist.entries],
            "problems": [
                {"position": problem.position, "message": problem.problem}
                for problem in watchlist.problems
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return ExitCode.OK
    for problem in watchlist.problems:
        print(f"reap-tui: skipped an entry: {clean(problem.problem)}", file=sys.stderr)
    if not watchlist.entries:
        print(
            f"the watch list {clean(str(watchlist.path))} is empty "
            "(add a batch with: reap-tui add ID)"
        )
    for entry in watchlist.entries:
        print(entry_line(entry, utc=settings.ui.timezone == "utc"))
    return ExitCode.OK


def entry_line(entry: Entry, *, utc: bool) -> str:
    from reap_tui.format import absolute, count
    from reap_tui.text import clean

    label = clean(entry.label, limit=30) if entry.label else "—"
    snapshot = entry.snapshot
    if snapshot is None:
        state, records, checked = "not checked yet", "", ""
    else:
        state = f"{clean(snapshot.status) if snapshot.status else '—'} ({snapshot.phase})"
        records = f"{count(snapshot.processed_records)}/{count(snapshot.total_records)} records"
        if snapshot.failed_records:
            records += f", {count(snapshot.failed_records)} failed"
        checked = f"checked {absolute(snapshot.checked_at, utc=utc)}"
    environment = clean(entry.environment, limit=30)
    columns = (entry.batch_id, f"{label:<30}", f"{environment:<10}", f"{state:<28}")
    return "  ".join((*columns, f"{records:<24}", checked)).rstrip()


def entry_json(entry: Entry) -> dict[str, Any]:
    """The documented camelCase names; absent values are null; times ISO 8601 in UTC."""
    return {
        "batchId": entry.batch_id,
        "label": entry.label,
        "source": entry.source.value,
        "environment": entry.environment,
        "baseUrl": entry.base_url,
        "addedAt": _iso(entry.added_at),
        "uploadedAt": _iso(entry.uploaded_at),
        "lastKnown": None if entry.snapshot is None else snapshot_json(entry.snapshot),
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "phase": snapshot.phase.value,
        "status": snapshot.status,
        "totalRecords": snapshot.total_records,
        "processedRecords": snapshot.processed_records,
        "failedRecords": snapshot.failed_records,
        "successfulRecords": snapshot.successful_records,
        "createdAt": _iso(snapshot.created_at),
        "updatedAt": _iso(snapshot.updated_at),
        "startedAt": _iso(snapshot.started_at),
        "completedAt": _iso(snapshot.completed_at),
        "checkedAt": _iso(snapshot.checked_at),
    }


def _iso(value: float | datetime | None) -> str | None:
    if value is None:
        return None
    aware = datetime.fromtimestamp(value, tz=UTC) if isinstance(value, float) else value
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
