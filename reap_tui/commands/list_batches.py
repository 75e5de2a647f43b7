"""`reap-tui list [--json]`: every watched batch with its last known state; no request is made."""

from __future__ import annotations

import argparse
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
        help='print one JSON object: {"watchlist", "entries": [...], "imports": [...], '
        '"pendingUploads": [...], "problems": [...]}',
    )
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import settings_from, watchlist_from
    from reap_tui.commands.list_imports import (
        grouped_lines,
        import_names,
        listing_json,
        pending_lines,
    )
    from reap_tui.exitcodes import ExitCode
    from reap_tui.text import clean, json_text

    settings = settings_from(args)
    watchlist = watchlist_from(args, SystemClock())
    if args.json:
        members = import_names(watchlist)
        document = {
            "watchlist": str(watchlist.path),
            "entries": [
                {**entry_json(entry), "import": members.get(entry.batch_id)}
                for entry in watchlist.entries
            ],
            **listing_json(watchlist),
            "problems": [
                {"position": problem.position, "message": problem.problem}
                for problem in watchlist.problems
            ],
        }
        print(json_text(document, indent=2))
        return ExitCode.OK
    for problem in watchlist.problems:
        print(f"reap-tui: skipped an entry: {clean(problem.problem)}", file=sys.stderr)
    if not (watchlist.entries or watchlist.imports or watchlist.pending_uploads):
        print(
            f"the watch list {clean(str(watchlist.path))} is empty "
            "(add a batch with: reap-tui add ID)"
        )
    utc = settings.ui.timezone == "utc"
    for line in grouped_lines(watchlist, lambda entry: entry_line(entry, utc=utc)):
        print(line)
    for line in pending_lines(watchlist):
        print(line)
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
    from reap_tui.report import iso_timestamp

    return {
        "batchId": entry.batch_id,
        "label": entry.label,
        "source": entry.source.value,
        "environment": entry.environment,
        "baseUrl": entry.base_url,
        "addedAt": iso_timestamp(entry.added_at),
        "uploadedAt": iso_timestamp(entry.uploaded_at),
        "lastKnown": None if entry.snapshot is None else snapshot_json(entry.snapshot),
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """The saved times are in UTC already (the watch list stores them so)."""
    from reap_tui.report import iso_timestamp, progress_json

    return {
        "phase": snapshot.phase.value,
        "status": snapshot.status,
        **progress_json(
            total=snapshot.total_records,
            processed=snapshot.processed_records,
            failed=snapshot.failed_records,
            created_at=snapshot.created_at,
            updated_at=snapshot.updated_at,
            started_at=snapshot.started_at,
            completed_at=snapshot.completed_at,
        ),
        "successfulRecords": snapshot.successful_records,
        "checkedAt": iso_timestamp(snapshot.checked_at),
    }
