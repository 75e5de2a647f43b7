"""`reap-tui upload FILE [--label TEXT] [--yes]`: validate, upload once, watch the new batch.

Stdout carries only the new batch id, so a script can capture it; everything else goes to
stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from reap_tui.api.client import DEFAULT_UPLOAD_TIMEOUT
from reap_tui.commands.common import add_global_options

if TYPE_CHECKING:
    from reap_tui.commands.connect import Connection
    from reap_tui.store import PendingUpload, WatchList
    from reap_tui.uploading import BatchFile, UploadOutcome


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "upload",
        help="validate a batch CSV, upload it and watch the new batch",
        description="Validate FILE against the upload rules, upload it, add the new batch to "
        "the watch list and print its id (alone on stdout; details on stderr). Production "
        "asks first (--yes for scripts). A retry after a timeout or a crash reuses the "
        "idempotency key, so Reap never creates a second batch. Exit 0 uploaded, 2 usage "
        "error or not confirmed, 4 invalid file, 6 not found, 7 authentication failed or no "
        "key, 8 server, network, timeout or other error.",
    )
    parser.add_argument("file", metavar="FILE", help="the CSV file to upload")
    parser.add_argument("--label", default="", metavar="TEXT", help="a name to show beside it")
    parser.add_argument(
        "--yes", action="store_true", help="upload to production without asking (for scripts)"
    )
    parser.add_argument(
        "--upload-timeout",
        type=float,
        default=DEFAULT_UPLOAD_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for Reap's answer (default {DEFAULT_UPLOAD_TIMEOUT:g})",
    )
    add_global_options(parser, on_subcommand=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import math
    from pathlib import Path

    from reap_tui.batchfile import UnreadableFile
    from reap_tui.clock import SystemClock
    from reap_tui.commands.common import UsageError
    from reap_tui.commands.connect import connection_from
    from reap_tui.commands.context import watchlist_from
    from reap_tui.exitcodes import ExitCode
    from reap_tui.labels import clean_label
    from reap_tui.report import validation_lines
    from reap_tui.store import WatchListError
    from reap_tui.text import clean
    from reap_tui.uploading import begin_upload, read_batch_file

    if not (args.upload_timeout > 0 and math.isfinite(args.upload_timeout)):
        raise UsageError(f"--upload-timeout must be a positive number, not {args.upload_timeout:g}")
    try:
        batch_file = read_batch_file(Path(args.file))
    except UnreadableFile as error:
        raise UsageError(clean(str(error))) from None
    _say(*validation_lines(batch_file.report))
    name = clean(batch_file.name, limit=80)
    if not batch_file.uploadable:
        _say(f"reap-tui: {name} was not uploaded: fix the errors above and try again")
        return ExitCode.INVALID_FILE
    connection = connection_from(args)
    connection.require_key()
    connection.start_logging(args.log_file)
    if (
        connection.environment == "production"
        and not args.yes
        and not _confirmed(connection, batch_file)
    ):
        return ExitCode.USAGE
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    cleaned_label = clean_label(args.label)
    if cleaned_label.was_cut:
        _say(f"reap-tui: {cleaned_label.cut_note}")
    label = cleaned_label.text
    try:
        pending, reused = begin_upload(
            watchlist,
            batch_file,
            environment=connection.environment,
            base_url=connection.base_url,
            label=label,
            clock=clock,
        )
    except (WatchListError, OSError) as error:
        raise UsageError(
            f"nothing was uploaded: the pending upload cannot be saved: {error}"
        ) from None
    if reused:
        _say(_reuse_note(pending))
    _say(f"uploading {name} to {connection.environment} ({connection.base_url}) ...")
    outcome = asyncio.run(
        _send(connection, watchlist, batch_file, pending, label, args.upload_timeout)
    )
    return _report(outcome)


def _say(*lines: str) -> None:
    print(*lines, sep="\n", file=sys.stderr, flush=True)


def _confirmed(connection: Connection, batch_file: BatchFile) -> bool:
    if not sys.stdin.isatty():
        _say(
            "reap-tui: nothing was uploaded: uploading to PRODUCTION needs a confirmation and "
            "there is no terminal to ask on; add --yes to upload from a script"
        )
        return False
    sys.stderr.write(
        f"Upload {batch_file.description} to PRODUCTION ({connection.base_url})? "
        "This creates a real batch. [y/N] "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    _say("reap-tui: not confirmed; nothing was uploaded")
    return False


def _reuse_note(pending: PendingUpload) -> str:
    from reap_tui import format as fmt

    started = fmt.absolute(pending.started_at, utc=True)
    return (
        f"an upload of this file to this URL started {started} got no answer; sending it "
        "again with the same idempotency key, so Reap will not create a second batch"
    )


async def _send(
    connection: Connection,
    watchlist: WatchList,
    batch_file: BatchFile,
    pending: PendingUpload,
    label: str,
    upload_timeout: float,
) -> UploadOutcome:
    from reap_tui.clock import SystemClock
    from reap_tui.uploading import send_upload

    clock = SystemClock()
    async with connection.client(clock, upload_timeout=upload_timeout) as client:
        return await send_upload(client, watchlist, batch_file, pending, label=label, clock=clock)


def _report(outcome: UploadOutcome) -> int:
    from reap_tui.exitcodes import ExitCode, exit_code_for_failure
    from reap_tui.report import failure_lines
    from reap_tui.text import clean

    receipt = outcome.receipt
    if receipt is not None:
        records = "" if receipt.total_records is None else f", {receipt.total_records:,} records"
        status = f", {clean(receipt.status.text, limit=40)}" if receipt.status else ""
        _say(f"uploaded: batch {receipt.batch_id}{records}{status}")
        if receipt.message:
            _say(f"  Reap says: {clean(receipt.message, limit=300)}")
        if outcome.entry is not None:
            _say(
                "  added to the watch list; its first check is due 1-2 minutes after the "
                f"upload, as Reap advises. Follow it with: reap-tui watch {receipt.batch_id}"
            )
        else:
            _say(
                f"reap-tui: the batch was not added to the watch list: {outcome.save_problem}",
                "  Run the same command again (it gets this batch back) or "
                f"reap-tui add {receipt.batch_id}",
            )
        print(receipt.batch_id, flush=True)
        return ExitCode.OK
    failure = outcome.advised_failure("run the same command again")
    assert failure is not None
    headline, *details = failure_lines(failure)
    _say(f"reap-tui: upload failed: {headline}", *details)
    return exit_code_for_failure(failure.kind)
