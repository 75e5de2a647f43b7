"""What the upload screen says about a split upload: the offer, and why a run stopped."""

from __future__ import annotations

from rich.text import Text

from reap_tui.batchfile import MAX_DATA_ROWS, format_size
from reap_tui.chunking import SplitPlan
from reap_tui.import_uploading import ImportRun
from reap_tui.report import failure_lines
from reap_tui.text import clean


def split_offer_text(plan: SplitPlan) -> Text:
    count = len(plan.chunks)
    text = Text("\n\nOver the limits of one upload ", style="bold")
    text.append(f"({MAX_DATA_ROWS:,} data rows, {format_size(plan.max_bytes)}).")
    text.append(f"\nIt can be uploaded as an import of {count} batches", style="bold")
    text.append(": each holds the header and the next rows in order, ")
    text.append("saved before the first request so an interrupted upload resumes.")
    for chunk in plan.chunks:
        rows = f"{chunk.data_rows:,} rows"
        text.append(
            f"\n  {chunk.number}. {chunk.rows_text} ({rows}, {format_size(chunk.size_bytes)})"
        )
    return text


def import_stopped_text(run: ImportRun) -> Text:
    imported = run.imported
    total = len(imported.chunks)
    done = total - len(imported.unsent)
    text = Text(
        f"The import {clean(imported.name)!r} stopped at chunk {run.stopped_at} of {total} "
        f"({done} uploaded and watched).",
        style="bold red",
    )
    if run.problem:
        text.append(f"\n{clean(run.problem, keep_newlines=True)}")
        return text
    failure = run.failure
    assert failure is not None
    for line in failure_lines(failure):
        text.append(f"\n{line}")
    if run.outcome_unknown:
        text.append(
            f"\nChunk {run.stopped_at} may have reached Reap. Upload the same file under the "
            "same import name to go on (the same idempotency key and bytes are sent, so Reap "
            "does not create a second batch), or run reap-tui upload --resume."
        )
    else:
        text.append(
            "\nThe plan is kept. Once the cause is fixed, upload the same file under the same "
            "import name to go on, or run reap-tui upload --resume."
        )
    return text
