"""`reap-tui list [--json]`: every watched batch with its last known state; no request is made.

The last known states are read from the state database beside the watch list, read-only: a
missing or unreadable database means "not checked yet" (said once on stderr), never an
error. A watch list of an earlier version still carrying its snapshots is shown from those
until the dashboard moves them to the database.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reap_tui.commands.common import add_global_options

if TYPE_CHECKING:
    from reap_tui.clock import Clock
    from reap_tui.engine.state import BatchState
    from reap_tui.store import Entry, Snapshot
    from reap_tui.store.state_rows import SavedRow


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
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    saved, unreadable = saved_rows(watchlist.path, clock)
    if unreadable:
        print(f"reap-tui: {clean(unreadable)} Last known states are not shown.", file=sys.stderr)
    known = [(entry, last_known_of(entry, saved)) for entry in watchlist.entries]
    if args.json:
        members = import_names(watchlist)
        document = {
            "watchlist": str(watchlist.path),
            "entries": [
                {**entry_json(entry, last), "import": members.get(entry.batch_id)}
                for entry, last in known
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
    last_known = dict((entry.batch_id, last) for entry, last in known)
    for line in grouped_lines(
        watchlist, lambda entry: entry_line(entry, last_known[entry.batch_id], utc=utc)
    ):
        print(line)
    for line in pending_lines(watchlist):
        print(line)
    return ExitCode.OK


def saved_rows(watchlist_path: Path, clock: Clock) -> tuple[dict[str, SavedRow], str | None]:
    """The state database's rows (read-only; nothing is created), and what went wrong."""
    from reap_tui.store.statedb import StateDB, state_db_path

    db = StateDB.open(state_db_path(watchlist_path), clock, read_only=True)
    try:
        return db.read(), db.take_problem()
    finally:
        db.close()


def last_known_of(
    entry: Entry, saved: dict[str, SavedRow]
) -> tuple[Snapshot, BatchState | None] | None:
    """The entry's saved state (the summary `list` shows, and the whole state when the record
    is readable), else its snapshot in an old watch list, else None."""
    from reap_tui.engine.snapshots import last_known, saved_state

    row = saved.get(entry.batch_id)
    if row is not None and row.base_url == entry.base_url:
        record = row.record
        snapshot = last_known(record)
        if snapshot is not None:
            return snapshot, saved_state(entry.batch_id, record)
    return None if entry.snapshot is None else (entry.snapshot, None)


def entry_line(entry: Entry, last: tuple[Snapshot, BatchState | None] | None, *, utc: bool) -> str:
    from reap_tui.format import absolute, count
    from reap_tui.text import clean

    label = clean(entry.label, limit=30) if entry.label else "—"
    snapshot = None if last is None else last[0]
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


def entry_json(entry: Entry, last: tuple[Snapshot, BatchState | None] | None) -> dict[str, Any]:
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
        "lastKnown": None if last is None else last_known_json(*last),
    }


def last_known_json(snapshot: Snapshot, state: BatchState | None) -> dict[str, Any]:
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
        **seen_json(state),
    }


def seen_json(state: BatchState | None) -> dict[str, Any]:
    """What the dashboard saved beyond the snapshot: null when it is not known."""
    status = None if state is None else state.status
    return {
        "checksMade": None if state is None else state.checks_made,
        "stopReason": (state.stop_reason or None) if state else None,
        "failure": None if state is None or not state.failure else state.failure.as_json(),
        "summaryErrors": None if status is None else list(status.summary.errors),
    }
