"""`reap-tui upload FILE [--label TEXT] [--import NAME] [--dry-run] [--yes]`, `upload --resume`.

One file within Reap's limits is validated, uploaded once and watched. With `--import NAME` a
file of any size is split into uploads (`upload_import`); `--resume` finishes what earlier runs
left (`upload_resume`). Stdout carries only batch ids, one per line, so a script can capture
them; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from reap_tui.api.durations import DEFAULT_UPLOAD_TIMEOUT
from reap_tui.commands.common import add_global_options

if TYPE_CHECKING:
    from reap_tui.commands.connect import Connection
    from reap_tui.store import PendingUpload, WatchList
    from reap_tui.uploading import BatchFile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "upload",
        help="validate a batch CSV, upload it (split into an import if large) and watch it",
        description="Validate FILE against the upload rules, upload it, add the new batch to "
        "the watch list and print its id (alone on stdout; details on stderr). With --import "
        "NAME, a file of any size is split into uploads of at most 5,000 rows and 10 MB, saved "
        "as the import NAME before the first request, and sent one after another; the same "
        "command resumes an interrupted import. --resume finishes every upload and import "
        "left unfinished. Production asks first (--yes for scripts). A retry after a timeout "
        "or a crash reuses the idempotency key and the bytes sent, so Reap never creates a "
        "second batch. Exit 0 uploaded, 2 usage error, not confirmed, or an import name "
        "already used for another file (or for this file before it changed), 4 invalid file, "
        "6 not found, 7 authentication failed or no key, 8 server, network, timeout or other "
        "error.",
    )
    parser.add_argument("file", metavar="FILE", nargs="?", help="the CSV file to upload")
    parser.add_argument("--label", default="", metavar="TEXT", help="a name to show beside it")
    parser.add_argument(
        "--import",
        dest="import_name",
        metavar="NAME",
        help="split FILE into uploads of at most 5,000 rows and 10 MB, grouped as the import "
        "NAME (the same command again resumes it)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and print the plan (chunks, rows, sizes); send and save nothing",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish every pending upload and unfinished import of this environment",
    )
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
    import math

    from reap_tui.commands.common import UsageError

    if not (args.upload_timeout > 0 and math.isfinite(args.upload_timeout)):
        raise UsageError(f"--upload-timeout must be a positive number, not {args.upload_timeout:g}")
    if args.resume:
        if args.file or args.import_name is not None or args.dry_run or args.label:
            raise UsageError("--resume takes no FILE, --import, --label or --dry-run")
        from reap_tui.commands.upload_resume import run_resume

        return run_resume(args)
    if not args.file:
        raise UsageError("upload needs a FILE (or --resume to finish earlier uploads)")
    if args.import_name is not None or args.dry_run:
        from reap_tui.commands.upload_import import run_import

        return run_import(args)
    return _run_single(args)


def _run_single(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from reap_tui.batchfile import UnreadableFile
    from reap_tui.clock import SystemClock
    from reap_tui.commands.common import UsageError
    from reap_tui.commands.connect import connection_from
    from reap_tui.commands.context import watchlist_from
    from reap_tui.commands.upload_support import confirmed, say
    from reap_tui.exitcodes import ExitCode
    from reap_tui.labels import clean_label
    from reap_tui.report import validation_lines
    from reap_tui.text import clean
    from reap_tui.uploading import earlier_uploads_of, read_batch_file

    try:
        batch_file = read_batch_file(Path(args.file))
    except UnreadableFile as error:
        raise UsageError(clean(str(error))) from None
    say(*validation_lines(batch_file.report))
    name = clean(batch_file.name, limit=80)
    if not batch_file.uploadable:
        say(f"reap-tui: {name} was not uploaded: {_how_to_fix(batch_file)}")
        return ExitCode.INVALID_FILE
    connection = connection_from(args)
    connection.require_key()
    connection.start_logging(args.log_file)
    question = (
        f"Upload {batch_file.description} to PRODUCTION ({connection.base_url})? "
        "This creates a real batch."
    )
    if (
        connection.environment == "production"
        and not args.yes
        and not confirmed(connection, question)
    ):
        return ExitCode.USAGE
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    earlier = earlier_uploads_of(
        watchlist, batch_file.path, connection.base_url, other_than=batch_file.sha256
    )
    cleaned_label = clean_label(args.label)
    if cleaned_label.was_cut:
        say(f"reap-tui: {cleaned_label.cut_note}")
    label = cleaned_label.text
    return asyncio.run(
        _upload(connection, watchlist, batch_file, earlier, label, args.upload_timeout)
    )


async def _upload(
    connection: Connection,
    watchlist: WatchList,
    batch_file: BatchFile,
    earlier: list[PendingUpload],
    label: str,
    upload_timeout: float,
) -> int:
    from reap_tui.clock import SystemClock
    from reap_tui.commands.common import UsageError
    from reap_tui.commands.upload_support import finish_earlier, report_single, say
    from reap_tui.store import WatchListError
    from reap_tui.text import clean
    from reap_tui.uploading import begin_upload, send_upload, sweep_saved_bytes

    clock = SystemClock()
    sweep_saved_bytes(watchlist, clock.now())
    async with connection.client(clock, upload_timeout=upload_timeout) as client:
        stopped = (await finish_earlier(client, watchlist, earlier, clock)).stopped
        if stopped is not None:
            return stopped
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
            say(_reuse_note(pending))
        name = clean(batch_file.name, limit=80)
        say(f"uploading {name} to {connection.environment} ({connection.base_url}) ...")
        outcome = await send_upload(
            client, watchlist, batch_file, pending, label=label, clock=clock
        )
    code = report_single(outcome, again="run the same command again")
    if outcome.receipt is not None:
        print(outcome.receipt.batch_id, flush=True)
    return code


def _how_to_fix(batch_file: BatchFile) -> str:
    """Fix the errors, or, when only the limits of one upload are broken, split it."""
    from reap_tui.batchfile import UnreadableFile
    from reap_tui.import_plan import read_source

    advice = "fix the errors above and try again"
    try:
        source = read_source(batch_file.path)
    except UnreadableFile:
        return advice
    if source.plan is None:
        return advice
    chunks = len(source.plan.chunks)
    return (
        "it is over the limits of one upload (5,000 data rows, 10 MB), and otherwise valid. "
        f"Upload it as an import of {chunks} batches with: reap-tui upload FILE --import NAME"
    )


def _reuse_note(pending: PendingUpload) -> str:
    from reap_tui import format as fmt

    started = fmt.absolute(pending.started_at, utc=True)
    return (
        f"an upload of this file to this URL started {started} got no answer; sending it "
        "again with the same idempotency key, so Reap will not create a second batch"
    )
