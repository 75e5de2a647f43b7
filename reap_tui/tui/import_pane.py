"""The selected import as the detail pane shows it: the overall bar, batches by state, a
throughput sparkline, ETA and finish time, the stall warning with what to do, failed records,
and its chunks in order (rows of the source file -> batch id, state; for an import of batches
added by id, its batches in order).

What matters most comes first, so at 80x24 the first lines of the pane say how it stands.
Names, labels and paths are the user's own text: cleaned, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reap_tui import format as fmt
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.import_curves import rate_series
from reap_tui.engine.imports import ImportNumbers
from reap_tui.engine.state import BatchState
from reap_tui.import_report import (
    groups_text,
    span_words,
    stall_advice,
    stall_words,
    throughput_text,
)
from reap_tui.store.imports import Import, describe_origin
from reap_tui.text import clean
from reap_tui.tui.cells import TONE_STYLES, bar_text, failure_style, status_text
from reap_tui.vocabulary import Rules, import_condition

BAR_WIDTH = 24
SPARK_BUCKETS = 24
LABEL = "bold"


def render_import_pane(
    imported: Import,
    numbers: ImportNumbers,
    members: Sequence[BatchState],
    *,
    rules: Rules,
    cadence: CadenceConfig,
    now: float,
    utc: bool,
) -> Group:
    """`members`: the watched batches' states in upload order, as `numbers` was computed from;
    `rules`: the rules in force (the import's, and the batch states' for its chunks)."""
    states = {state.batch_id: state for state in members}
    starts = dict(zip(states, numbers.predicted_starts, strict=True))
    condition = import_condition(numbers.state)
    title = Text.assemble(
        ("Import ", "bold"),
        (clean(imported.name, limit=80), "bold"),
        "  ",
        (condition.label, TONE_STYLES[condition.tone]),
    )
    parts: list[RenderableType] = [title, _bar(numbers)]
    if numbers.stalled:
        parts.append(
            Panel(
                Text(stall_advice(numbers, rules.imports, cadence)),
                title=Text(f" stalled: {stall_words(numbers, rules.imports)} ", style="bold"),
                title_align="left",
                border_style="yellow",
            )
        )
    parts.append(_fields(imported, numbers, members, rules, now, utc))
    parts.append(_chunks(imported, states, starts, rules, utc))
    return Group(*parts)


def _bar(numbers: ImportNumbers) -> Text:
    percent = numbers.percent_done
    tone = import_condition(numbers.state).tone
    line = Text("Progress  ", style=LABEL)
    line.append_text(bar_text((percent or 0.0) / 100, BAR_WIDTH, tone))
    line.append(f" {percent:.1f}%" if percent is not None else f" {fmt.NONE}")
    line.append(
        f"  {numbers.processed_records:,} of {numbers.total_records:,} records",
        style="dim",
    )
    return line


def _fields(
    imported: Import,
    numbers: ImportNumbers,
    members: Sequence[BatchState],
    rules: Rules,
    now: float,
    utc: bool,
) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=LABEL, no_wrap=True)
    grid.add_column(overflow="fold")
    ended = numbers.eta == 0
    if numbers.stalled:
        grid.add_row("Finish", Text("not foreseeable while nothing moves", style="yellow"))
    elif numbers.finish_at is not None:
        when = fmt.absolute(numbers.finish_at, utc=utc)
        left = "finished" if ended else f"ETA {fmt.eta(numbers.eta)}"
        grid.add_row("Finish", Text(f"{left}, {when}"))
    style = failure_style(numbers.failure_rate, rules, bold=True)
    failed = Text(f"{numbers.failed_records:,} records", style=style)
    if numbers.failure_rate:
        failed.append(f" ({numbers.failure_rate * 100:.1f}% of those processed)")
    grid.add_row("Failed", failed)
    grid.add_row("Batches", Text(f"{numbers.batches}: {groups_text(numbers.by_group)}"))
    if not ended:
        grid.add_row("Rate", Text(throughput_text(numbers, rules.imports)))
        window = rules.imports.throughput_window
        series = rate_series(members, now, window, SPARK_BUCKETS, rules.imports.default_rate)
        if any(series):
            spark = Text(fmt.sparkline(series, SPARK_BUCKETS), style="cyan")
            spark.append(f" the last {span_words(window)}", style="dim")
            grid.add_row("", spark)
    if numbers.last_progress_at is not None:
        grid.add_row("Last change", Text(fmt.ago(numbers.last_progress_at, now)))
    made = fmt.absolute(imported.created_at, utc=utc)
    grid.add_row("Made", Text(f"{made}, {describe_origin(imported)}"))
    return grid


def _chunks(
    imported: Import,
    states: Mapping[str, BatchState],
    starts: Mapping[str, float | None],
    rules: Rules,
    utc: bool,
) -> Table:
    """The chunks in order, rows -> batch id -> state; or the batches in order."""
    from_file = bool(imported.chunks)
    table = Table(
        title="Chunks" if from_file else "Batches in order",
        title_justify="left",
        title_style="bold",
        box=None,
        pad_edge=False,
        show_header=False,
    )
    # In a narrow pane the rows (or label) stay whole; the id gives way first, then the state.
    whole = max((len(c.rows_text) for c in imported.chunks), default=12)
    table.add_column(justify="right", no_wrap=True, style="dim")
    table.add_column(no_wrap=True, min_width=min(whole, 40))
    table.add_column(no_wrap=True, overflow="ellipsis", min_width=8)
    table.add_column(no_wrap=True, overflow="ellipsis", min_width=11)
    if from_file:
        for number, chunk in enumerate(imported.chunks, start=1):
            if chunk.batch_id is None:
                unsent = Text("not uploaded yet", style="dim")
                table.add_row(str(number), chunk.rows_text, unsent, "")
                continue
            state = states.get(chunk.batch_id)
            table.add_row(
                str(number),
                chunk.rows_text,
                Text(chunk.batch_id),
                _state(state, starts.get(chunk.batch_id), rules, utc),
            )
    else:
        for number, batch_id in enumerate(imported.batch_ids, start=1):
            state = states.get(batch_id)
            label = clean(state.label, limit=40) if state and state.label else ""
            shown = _state(state, starts.get(batch_id), rules, utc)
            table.add_row(str(number), label, Text(batch_id), shown)
    return table


def _state(state: BatchState | None, starts_at: float | None, rules: Rules, utc: bool) -> Text:
    if state is None:
        return Text("not watched", style="dim")
    text = status_text(state, 30, rules)
    if starts_at is not None:
        text.append(f", starts ~{fmt.clock_time(starts_at, utc=utc)[:5]}", style="dim")
    elif state.status is not None and state.status.failed_records:
        text.append(f", {state.status.failed_records:,} failed", style="red")
    return text
