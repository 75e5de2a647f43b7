"""`reap-tui upload FILE --import NAME [--dry-run]`: a file of any size as an import.

A new name: the whole file is validated, split, and its plan saved (chunks' bytes, then the
import) before the first request; then the chunks go one after another. A name already used on
this host for this file, unchanged: the same plan resumes. For this path with other content
(the file changed): the old plan is finished from its saved bytes, the new content is not
uploaded, and the user is told to use a new name. For another file: refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reap_tui.batchfile import UnreadableFile
from reap_tui.chunking import SourceChanged
from reap_tui.clock import SystemClock
from reap_tui.commands.common import UsageError
from reap_tui.commands.connect import Connection, connection_from
from reap_tui.commands.context import watchlist_from
from reap_tui.commands.upload_support import (
    Progress,
    confirmed,
    finish_earlier,
    plan_lines,
    report_import_run,
    resume_command,
    say,
)
from reap_tui.exitcodes import ExitCode
from reap_tui.import_plan import begin_import, file_sha256, new_import, read_source
from reap_tui.import_uploading import send_import
from reap_tui.report import validation_lines
from reap_tui.stopping import run_stoppable
from reap_tui.store import PendingUpload, WatchList, WatchListError
from reap_tui.store.imports import (
    Import,
    ImportConflict,
    check_name,
    describe_origin,
    find,
)
from reap_tui.text import clean
from reap_tui.uploading import earlier_uploads_of, storable_path, sweep_saved_bytes


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    name = _name(args)
    connection = connection_from(args)
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    existing = None if name is None else find(watchlist.imports, name, connection.base_url)
    if existing is not None:
        return _existing(args, connection, watchlist, existing, path)
    try:
        source = read_source(path)
    except UnreadableFile as error:
        raise UsageError(clean(str(error))) from None
    say(*validation_lines(source.report))
    if not source.uploadable:
        say(f"reap-tui: {clean(source.name, limit=80)} was not uploaded: fix the errors above")
        return ExitCode.INVALID_FILE
    planned = new_import(
        source,
        name or source.name,
        environment=connection.environment,
        base_url=connection.base_url,
        clock=clock,
    )
    count = len(planned.chunks)
    uploads = f"{count} upload{'' if count == 1 else 's'}"
    heading = f"{source.description}: {uploads}"
    if name is not None:
        heading = f"{source.description} as the import {clean(name)!r}: {uploads}"
    if args.dry_run:
        print(heading, *plan_lines(planned), sep="\n")
        if name is None and count > 1:
            say("to upload it, name the import: reap-tui upload FILE --import NAME")
        say("dry run: nothing was sent and nothing was saved")
        return ExitCode.OK
    say(heading, *plan_lines(planned))
    if not _ready(args, connection, f"Upload {heading} to PRODUCTION ({connection.base_url})?"):
        return ExitCode.USAGE
    try:
        begin_import(watchlist, source, planned)
    except ImportConflict as error:
        raise UsageError(clean(str(error))) from None
    except SourceChanged as error:
        raise UsageError(f"nothing was uploaded: {clean(str(error))}; try again") from None
    except (WatchListError, OSError) as error:
        raise UsageError(
            f"nothing was uploaded: the import's plan cannot be saved: {error}"
        ) from None
    say("the plan is saved: if this run is interrupted, the same command resumes it")
    return _send(args, connection, watchlist, planned, path, resumed=False)


def _name(args: argparse.Namespace) -> str | None:
    if args.import_name is None:
        return None
    if args.label:
        raise UsageError(
            "--label names a single upload; the batches of an import are labelled "
            "with its name and their number ('March 2/5')"
        )
    try:
        return check_name(args.import_name)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _existing(
    args: argparse.Namespace,
    connection: Connection,
    watchlist: WatchList,
    existing: Import,
    path: Path,
) -> int:
    name = clean(existing.name)
    source = existing.source
    if source is None:
        raise UsageError(
            f"the import {name!r} on {connection.base_url} groups batches added by id; "
            "a file is uploaded into a new import: choose another name"
        )
    same_path = source.path == storable_path(path)
    try:
        sha256 = file_sha256(path)
    except UnreadableFile as error:
        raise UsageError(
            f"{clean(str(error))}\n(the import {name!r} can be finished without it: "
            f"{resume_command(existing.environment, existing.base_url)})"
        ) from None
    unsent = len(existing.unsent)
    if sha256 == source.sha256:
        if not unsent:
            say(f"the import {name!r} was uploaded from this file already; its batches:")
            print(*existing.chunk_batch_ids(), sep="\n", flush=True)
            return ExitCode.OK
        done = len(existing.chunks) - unsent
        say(f"resuming the import {name!r}: {done} of {len(existing.chunks)} chunks uploaded")
        if args.dry_run:
            print(*plan_lines(existing), sep="\n")
            say("dry run: nothing was sent and nothing was saved")
            return ExitCode.OK
        question = (
            f"Send the {unsent} remaining chunks of the import {name!r} to PRODUCTION "
            f"({connection.base_url})?"
        )
        if not _ready(args, connection, question):
            return ExitCode.USAGE
        print(*existing.chunk_batch_ids(), sep="\n", flush=True)
        return _send(args, connection, watchlist, existing, path, resumed=True)
    if not same_path:
        unfinished = (
            f" It is unfinished: {resume_command(existing.environment, existing.base_url)} "
            "finishes it."
            if unsent
            else ""
        )
        raise UsageError(
            f"the name {name!r} is already used by an import on {existing.base_url} "
            f"({describe_origin(existing)}): choose another name for this file.{unfinished}"
        )
    say(
        f"reap-tui: {clean(path.name, limit=80)} has changed since the import {name!r} was "
        f"planned from it (SHA-256 {source.sha256[:12]}… then, {sha256[:12]}… now): its new "
        "content is not uploaded."
    )
    code: int = ExitCode.USAGE
    if unsent and not args.dry_run:
        say(f"finishing the {unsent} remaining chunks of {name!r} from the bytes saved with it")
        question = (
            f"Send the {unsent} remaining chunks of the import {name!r} (the file as it was) "
            f"to PRODUCTION ({connection.base_url})?"
        )
        if not _ready(args, connection, question):
            return ExitCode.USAGE
        finished = _send(args, connection, watchlist, existing, path, resumed=True, quiet=True)
        code = finished if finished != ExitCode.OK else ExitCode.USAGE
    say(
        f"To upload the file as it is now, give it a new import name: "
        f"reap-tui upload {clean(str(path), limit=200)} --import NAME"
    )
    return code


def _ready(args: argparse.Namespace, connection: Connection, question: str) -> bool:
    """A key (NoApiKey if none), the log, and on production the user's yes."""
    connection.require_key()
    connection.start_logging(args.log_file)
    if connection.environment != "production" or args.yes:
        return True
    return confirmed(connection, question + " This creates real batches.")


def _send(
    args: argparse.Namespace,
    connection: Connection,
    watchlist: WatchList,
    imported: Import,
    path: Path,
    *,
    resumed: bool,
    quiet: bool = False,
) -> int:
    """Finish the pending uploads of this path, then send the import's unsent chunks. `quiet`:
    print the new batch ids on stderr, not stdout (they are not this file's content)."""
    earlier = earlier_uploads_of(watchlist, path, connection.base_url)
    try:
        return run_stoppable(
            _sending(connection, watchlist, imported, earlier, args.upload_timeout, resumed, quiet),
            lambda: say(
                f"reap-tui: stopped; the import {clean(imported.name)!r} is saved: run the same "
                "command again to resume it"
            ),
        )
    except KeyboardInterrupt:
        say(
            f"reap-tui: interrupted; the import {clean(imported.name)!r} is saved: run the same "
            "command again to resume it"
        )
        raise


async def _sending(
    connection: Connection,
    watchlist: WatchList,
    imported: Import,
    earlier: list[PendingUpload],
    upload_timeout: float,
    resumed: bool,
    quiet: bool,
) -> int:
    clock = SystemClock()
    sweep_saved_bytes(watchlist, clock.now())
    async with connection.client(clock, upload_timeout=upload_timeout) as client:
        stopped = (await finish_earlier(client, watchlist, earlier, clock)).stopped
        if stopped is not None:
            return stopped
        say(f"uploading to {connection.environment} ({connection.base_url}) ...")
        run = await send_import(
            client,
            watchlist,
            imported,
            clock=clock,
            on_event=Progress(imported, ids_on_stdout=not quiet),
            resumed=resumed,
        )
    return report_import_run(run)
