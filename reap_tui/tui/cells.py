"""One batch as the table's row: the columns, and a `Text` per cell (never a markup string).

Columns whose text depends on the time are listed in `TIMED_COLUMNS`, so the one-second tick
re-renders only those.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from reap_tui import format as fmt
from reap_tui.api.ids import short_id
from reap_tui.engine.state import BatchState
from reap_tui.text import clean

TONE_STYLES: dict[fmt.Tone, str] = {
    fmt.Tone.GOOD: "bold green",
    fmt.Tone.WARN: "bold yellow",
    fmt.Tone.BAD: "bold red",
    fmt.Tone.ACTIVE: "bold cyan",
    fmt.Tone.WAITING: "italic",
    fmt.Tone.IDLE: "dim",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


# What needs attention comes first, so the left columns answer "is anything wrong?" at 80 wide.
# "Next check" is wide enough that the next column starts past the edge at 80 columns (and
# beside the detail pane at 120): a number cut in half on screen would be misread.
COLUMNS: tuple[Column, ...] = (
    Column("label", "Label", 16),
    Column("status", "Status", fmt.STATUS_WIDTH),
    Column("progress", "Progress", 10),
    Column("failed", "Failed", 6),
    Column("next", "Next check", 23),
    Column("done", "Done/Total", 11),
    Column("fail_rate", "Fail %", 6),
    Column("rate", "Rate", 9),
    Column("eta", "ETA", 8),
    Column("ok", "OK", 6),
    Column("id", "Id", 8),
    Column("created", "Created", 8),
    Column("started", "Started", 8),
    Column("updated", "Updated", 8),
    Column("completed", "Completed", 9),
)
TIMED_COLUMNS = ("eta", "next", "created", "started", "updated", "completed")
_WIDTHS = {column.key: column.width for column in COLUMNS}
PROGRESS_BAR_WIDTH = 5


@dataclass(frozen=True)
class IdCell:
    """The id column's cell: shows the short id, carries the whole one (sorting needs it)."""

    batch_id: str

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(short_id(self.batch_id), style="dim", no_wrap=True, end="")


def fit(text: str, width: int) -> str:
    """Server text cleaned and cut to a cell, with an ellipsis when cut."""
    return clean(text, limit=width)


def label_text(state: BatchState, width: int) -> Text:
    if state.label:
        return Text(fit(state.label, width), no_wrap=True, end="")
    return Text(short_id(state.batch_id), style="dim italic", no_wrap=True, end="")


def bar_text(fraction: float, width: int, tone: fmt.Tone) -> Text:
    """A progress bar in the tone's colour, its empty part dim."""
    drawn = fmt.bar(fraction, width)
    filled = drawn.rstrip("░")
    return Text.assemble(
        (filled, TONE_STYLES[tone].replace("bold ", "")),
        (drawn[len(filled) :], "dim"),
        no_wrap=True,
        end="",
    )


def status_text(state: BatchState, width: int = fmt.STATUS_WIDTH) -> Text:
    symbol, words, tone = fmt.status_label(state)
    return Text(fit(f"{symbol} {words}", width), style=TONE_STYLES[tone], no_wrap=True, end="")


def _cell(value: str, style: str = "", justify: bool = True) -> Text:
    return Text(value, style=style, justify="right" if justify else "left", no_wrap=True, end="")


def cell_text(column: str, state: BatchState, now: float) -> Text:
    """The text of one cell. Unknown column keys are a programming error (KeyError)."""
    status = state.status
    if column == "label":
        return label_text(state, _WIDTHS["label"])
    if column == "status":
        return status_text(state)
    if column == "progress":
        percent = state.percent_done
        if percent is None:
            return _cell(fmt.NONE, "dim", justify=False)
        text = bar_text(percent / 100, PROGRESS_BAR_WIDTH, fmt.status_label(state)[2])
        text.append(f"{percent:4.0f}%")
        return text
    if column == "done":
        if status is None:
            return _cell(fmt.NONE, "dim")
        return _cell(f"{fmt.count(status.processed_records)}/{fmt.count(status.total_records)}")
    if column == "ok":
        return _cell(fmt.count(status.successful_records) if status else fmt.NONE)
    if column == "failed":
        failed = status.failed_records if status else None
        return _cell(fmt.count(failed), "bold red" if failed else "")
    if column == "fail_rate":
        rate = state.failure_rate
        return _cell(fmt.percent(rate, share=True), "red" if rate else "")
    if column == "rate":
        return _cell(fmt.rate(state.throughput_per_minute))
    if column == "eta":
        return _cell(fmt.eta(state.eta(now)))
    if column == "next":
        style = "bold red" if state.failure is not None else ""
        return _cell(fit(fmt.next_check(state, now), _WIDTHS["next"]), style, justify=False)
    if column in ("created", "started", "updated", "completed"):
        moment = getattr(status, f"{column}_at") if status else None
        return _cell(fmt.ago(moment, now))
    raise KeyError(column)


def row_cells(state: BatchState, now: float) -> list[Text | IdCell]:
    """Every cell of a new row, in column order."""
    return [
        IdCell(state.batch_id) if column.key == "id" else cell_text(column.key, state, now)
        for column in COLUMNS
    ]
