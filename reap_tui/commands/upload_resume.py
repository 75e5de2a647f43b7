"""`reap-tui upload --resume`: finish every pending upload and unfinished import of a host.

A pending upload is sent again from its saved bytes with its key; an import goes on from its
first chunk without a batch id. What was left on other hosts is named with the command that
resumes it there. Stdout: the batch ids made known, one per line.
"""

from __future__ import annotations

import argparse

from reap_tui.clock import SystemClock
from reap_tui.commands.connect import Connection, connection_from
from reap_tui.commands.context import watchlist_from
from reap_tui.commands.upload_support import (
    Progress,
    confirmed,
    finish_earlier,
    pending_name,
    report_import_run,
    resume_command,
    say,
)
from reap_tui.exitcodes import ExitCode
from reap_tui.import_uploading import send_import
from reap_tui.stopping import run_stoppable
from reap_tui.store import PendingUpload, WatchList
from reap_tui.store.imports import Import
from reap_tui.text import clean
from reap_tui.uploading import sweep_saved_bytes


def run_resume(args: argparse.Namespace) -> int:
    connection = connection_from(args)
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    here = connection.base_url
    pendings = [p for p in watchlist.pending_uploads if p.base_url == here]
    imports = [i for i in watchlist.imports if i.base_url == here and i.unsent]
    elsewhere = {(p.environment, p.base_url) for p in watchlist.pending_uploads} | {
        (i.environment, i.base_url) for i in watchlist.imports if i.unsent
    }
    for environment, base_url in sorted(elsewhere):
        if base_url != here:
            say(
                f"also unfinished on {clean(environment, limit=30)} "
                f"({clean(base_url, limit=200)}): {resume_command(environment, base_url)}"
            )
    if not pendings and not imports:
        say(f"nothing to resume on {connection.environment} ({here})")
        return ExitCode.OK
    say(*_summary(pendings, imports))
    connection.require_key()
    connection.start_logging(args.log_file)
    question = f"Finish these uploads on PRODUCTION ({here})? This creates real batches."
    if (
        connection.environment == "production"
        and not args.yes
        and not confirmed(connection, question)
    ):
        return ExitCode.USAGE
    try:
        return run_stoppable(
            _resume(connection, watchlist, pendings, imports, args.upload_timeout),
            lambda: say("reap-tui: stopped; what is left is saved: run the same command again"),
        )
    except KeyboardInterrupt:
        say("reap-tui: interrupted; what is left is saved: run the same command again")
        raise


def _summary(pendings: list[PendingUpload], imports: list[Import]) -> list[str]:
    lines = [f"pending: {pending_name(pending)}" for pending in pendings]
    for imported in imports:
        total = len(imported.chunks)
        done = total - len(imported.unsent)
        lines.append(f"unfinished: the import {clean(imported.name)!r}, {done} of {total} chunks")
    return lines


async def _resume(
    connection: Connection,
    watchlist: WatchList,
    pendings: list[PendingUpload],
    imports: list[Import],
    upload_timeout: float,
) -> int:
    clock = SystemClock()
    sweep_saved_bytes(watchlist, clock.now())
    async with connection.client(clock, upload_timeout=upload_timeout) as client:
        finished = await finish_earlier(client, watchlist, pendings, clock, ids_on_stdout=True)
        if finished.stopped is not None:
            return finished.stopped
        for imported in imports:
            say(f"resuming the import {clean(imported.name)!r}")
            run = await send_import(
                client, watchlist, imported, clock=clock, on_event=Progress(imported), resumed=True
            )
            code = report_import_run(run)
            if not run.complete:
                return code
    return finished.worst
