"""What `upload`, `upload --import` and `upload --resume` share: asking before production,
finishing pending uploads, and printing an import's progress (ids on stdout, the rest on
stderr)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from reap_tui import format as fmt
from reap_tui.api.client import ReapClient
from reap_tui.api.errors import ApiFailure
from reap_tui.api.hosts import ENVIRONMENTS
from reap_tui.batchfile import format_size
from reap_tui.clock import Clock
from reap_tui.commands.connect import Connection
from reap_tui.exitcodes import ExitCode, exit_code_for_failure
from reap_tui.import_uploading import ChunkSending, ChunkUploaded, ImportEvent, ImportRun
from reap_tui.report import failure_lines
from reap_tui.store import PendingUpload, WatchList
from reap_tui.store.imports import Import
from reap_tui.text import clean
from reap_tui.uploading import UploadOutcome, finish_pending


def say(*lines: str) -> None:
    print(*lines, sep="\n", file=sys.stderr, flush=True)


def confirmed(connection: Connection, question: str) -> bool:
    """Whether the user agrees to `question` (an upload to production); False without a terminal."""
    if not sys.stdin.isatty():
        say(
            "reap-tui: nothing was uploaded: uploading to PRODUCTION needs a confirmation and "
            "there is no terminal to ask on; add --yes to upload from a script"
        )
        return False
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    say("reap-tui: not confirmed; nothing was uploaded")
    return False


def resume_command(environment: str, base_url: str) -> str:
    """The command that resumes what was left on this host."""
    if ENVIRONMENTS.get(environment) == base_url:
        return f"reap-tui upload --resume --env {environment}"
    return f"reap-tui upload --resume --base-url {clean(base_url, limit=200)}"


def pending_name(pending: PendingUpload) -> str:
    started = fmt.absolute(pending.started_at, utc=True)
    return f"the upload of {clean(pending.file_path, limit=200)} started {started}"


def bytes_unknown_lines(pending: PendingUpload) -> list[str]:
    """What to do about a pending upload whose bytes were not kept (an earlier version)."""
    return [
        f"reap-tui: {pending_name(pending)} to {clean(pending.base_url, limit=200)} never got "
        "an answer, and the bytes it sent are unknown (the version of reap-tui that sent them "
        "did not keep them), so it cannot be finished from here.",
        "  Upload that file again exactly as it was then: it reuses the idempotency key, so "
        "Reap answers with the batch it made, and that batch is watched.",
    ]


@dataclass
class Finished:
    """What came of finishing pending uploads."""

    stopped: ExitCode | None = None  # one may still be out (no answer again): stop there
    worst: ExitCode = ExitCode.OK  # a refusal, or USAGE for bytes that were not kept


async def finish_earlier(
    client: ReapClient,
    watchlist: WatchList,
    pendings: Sequence[PendingUpload],
    clock: Clock,
    *,
    ids_on_stdout: bool = False,
) -> Finished:
    """Finish pending uploads from their saved bytes, saying how each went; a pending upload
    whose bytes were not kept is explained and left as it is."""
    finished = Finished()
    for pending in pendings:
        say(
            f"{pending_name(pending)} got no answer: sending its saved bytes again with its "
            "idempotency key, so Reap does not create a second batch"
        )
        outcome = await finish_pending(client, watchlist, pending, clock=clock)
        if outcome is None:
            say(*bytes_unknown_lines(pending))
            finished.worst = max(finished.worst, ExitCode.USAGE)
            continue
        resume = resume_command(pending.environment, pending.base_url)
        again = f"run the same command again (or {resume})"
        code = report_single(outcome, again=again, earlier=True)
        if outcome.receipt is not None and ids_on_stdout:
            print(outcome.receipt.batch_id, flush=True)
        if outcome.pending_kept and outcome.receipt is None:
            finished.stopped = code
            return finished
        finished.worst = max(finished.worst, code)
    return finished


def report_single(outcome: UploadOutcome, *, again: str, earlier: bool = False) -> ExitCode:
    """Say what came of one upload (the batch id is printed by the caller)."""
    receipt = outcome.receipt
    if receipt is not None:
        records = "" if receipt.total_records is None else f", {receipt.total_records:,} records"
        status = f", {clean(receipt.status.text, limit=40)}" if receipt.status else ""
        which = "earlier upload" if earlier else "uploaded"
        say(f"{which}: batch {receipt.batch_id}{records}{status}")
        if receipt.message:
            say(f"  Reap says: {clean(receipt.message, limit=300)}")
        if outcome.entry is not None:
            say(
                "  added to the watch list; its first check is due 1-2 minutes after the "
                f"upload, as Reap advises. Follow it with: reap-tui watch {receipt.batch_id}"
            )
        else:
            say(
                f"reap-tui: the batch was not added to the watch list: {outcome.save_problem}",
                "  Run the same command again (it gets this batch back) or "
                f"reap-tui add {receipt.batch_id}",
            )
        return ExitCode.OK
    failure = outcome.advised_failure(again)
    assert failure is not None
    return report_failure(failure, "upload failed")


def report_failure(failure: ApiFailure, what: str) -> ExitCode:
    headline, *details = failure_lines(failure)
    say(f"reap-tui: {what}: {headline}", *details)
    return exit_code_for_failure(failure.kind)


def chunk_line(imported: Import, number: int) -> str:
    chunk = imported.chunks[number - 1]
    rows = f"{chunk.rows:,} row{'' if chunk.rows == 1 else 's'}"
    return (
        f"chunk {number}/{len(imported.chunks)}: {chunk.rows_text} "
        f"({rows}, {format_size(chunk.size_bytes)})"
    )


def plan_lines(imported: Import) -> list[str]:
    return [f"  {chunk_line(imported, n)}" for n in range(1, len(imported.chunks) + 1)]


class Progress:
    """Prints an import's run: each batch id on stdout as soon as it is known, the rest on
    stderr."""

    def __init__(self, imported: Import, *, ids_on_stdout: bool = True) -> None:
        self._imported = imported
        self._ids_on_stdout = ids_on_stdout

    def __call__(self, event: ImportEvent) -> None:
        if isinstance(event, ChunkSending):
            again = " again, with the same idempotency key and bytes" if event.again else ""
            say(f"{chunk_line(self._imported, event.number)}: sending{again} ...")
        elif isinstance(event, ChunkUploaded):
            say(f"  batch {event.chunk.batch_id}, watched")
            if self._ids_on_stdout:
                print(event.chunk.batch_id, flush=True)


def report_import_run(run: ImportRun) -> ExitCode:
    """Say how an import's run ended; the exit code for it."""
    imported = run.imported
    name = clean(imported.name)
    total = len(imported.chunks)
    if run.complete:
        say(
            f"import {name!r}: all {total} chunk{'' if total == 1 else 's'} uploaded; their "
            "batches are in the watch list (reap-tui list, or the dashboard)"
        )
        return ExitCode.OK
    number = run.stopped_at
    assert number is not None
    done = total - len(imported.unsent)
    state = f"import {name!r}: {done} of {total} chunks uploaded, stopped at chunk {number}"
    if run.problem:
        say(f"reap-tui: {state}:", clean(run.problem, keep_newlines=True))
        return ExitCode.USAGE
    failure = run.failure
    assert failure is not None
    code = report_failure(failure, f"{state}: the upload failed")
    again = resume_command(imported.environment, imported.base_url)
    if run.outcome_unknown:
        say(
            f"  Chunk {number} may have reached Reap. Run the same command again (or {again}): "
            f"it sends chunk {number} again with the same idempotency key and bytes, so Reap "
            "does not create a second batch, then the chunks after it."
        )
    else:
        say(
            f"  Nothing was created for chunk {number}; the plan is kept. Once the cause is "
            f"fixed, run the same command again (or {again}) to go on from chunk {number}."
        )
    return code
