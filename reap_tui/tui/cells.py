"""One batch as the table's row: the columns, and a `Text` per cell (never a markup string).

Cells are not cut here: the table cuts each to the width its column gets. Columns whose text
depends on the time are listed in `TIMED_COLUMNS`, so the one-second tick compares only those.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from reap_tui import format as fmt
from reap_tui import measures, text_changes
from reap_tui.api.ids import short_id
from reap_tui.engine.state import BatchState
from reap_tui.text import clean
from reap_tui.tui.columns import Column
from reap_tui.vocabulary import Rules, Tone, condition_of, shown_words

TONE_STYLES: dict[Tone, str] = {
    Tone.GOOD: "bold green",
    Tone.WARN: "bold yellow",
    Tone.BAD: "bold red",
    Tone.ACTIVE: "bold cyan",
    Tone.WAITING: "italic",
    Tone.IDLE: "dim",
}


# Display order; the priority says which columns stay when the width is short: the label, then
# what an analyst came for (status, progress, counts, when it last moved, when it ends), then
# when the next check is, then the rest. Widths are what the texts need ("retry in 42s" is 12).
COLUMNS: tuple[Column, ...] = (
    Column("label", "Label", 24, priority=0, min_width=22, flex=True),
    Column("status", "Status", fmt.STATUS_WIDTH, priority=1),
    Column("progress", "Progress", 10, priority=2),
    Column("done", "Done/Total", 13, priority=3, justify="right"),
    Column("failed", "Failed", 6, priority=4, justify="right"),
    Column("fail_rate", "Fail %", 6, priority=8, justify="right"),
    Column("rate", "Rate", 9, priority=9, justify="right"),
    Column("eta", "ETA", fmt.ETA_WIDTH, priority=6, justify="right"),
    Column("updated", "Updated", 8, priority=5, justify="right"),
    Column("next", "Next check", fmt.NEXT_CHECK_WIDTH, priority=7),
    Column("ok", "OK", 6, priority=10, justify="right"),
    Column("id", "Id", 8, priority=11),
    Column("created", "Created", 8, priority=14, justify="right"),
    Column("started", "Started", 8, priority=12, justify="right"),
    Column("completed", "Completed", 9, priority=13, justify="right"),
)
TIMED_COLUMNS = frozenset({"eta", "next", "created", "started", "updated", "completed"})
PROGRESS_BAR_WIDTH = 5
SERVER_WORDS_LIMIT = 60  # a status word from the server, bounded before any column cuts it


def label_text(state: BatchState) -> Text:
    if state.label:
        return Text(clean(state.label), no_wrap=True, end="")
    return Text(short_id(state.batch_id), style="dim italic", no_wrap=True, end="")


def bar_text(fraction: float, width: int, tone: Tone) -> Text:
    """A progress bar in the tone's colour, its empty part dim."""
    drawn = fmt.bar(fraction, width)
    filled = drawn.rstrip("░")
    return Text.assemble(
        (filled, TONE_STYLES[tone].replace("bold ", "")),
        (drawn[len(filled) :], "dim"),
        no_wrap=True,
        end="",
    )


def status_text(
    state: BatchState,
    width: int = SERVER_WORDS_LIMIT,
    rules: Rules = Rules(),  # noqa: B008
) -> Text:
    condition = condition_of(state, rules)
    words = f"{condition.icon} {shown_words(state, condition)}"
    return Text(clean(words, limit=width), style=TONE_STYLES[condition.tone], no_wrap=True, end="")


def failure_style(share: float | None, rules: Rules, *, bold: bool = False) -> str:
    """The colour of a failure rate or count: red or amber past the thresholds, else none."""
    tone = measures.failure_tone(share, rules)
    if tone is None:
        return ""
    style = TONE_STYLES[tone]
    return style if bold else style.replace("bold ", "")


def _cell(value: str, style: str = "") -> Text:
    return Text(value, style=style, no_wrap=True, end="")


def cell_text(
    column: str,
    state: BatchState,
    now: float,
    rules: Rules = Rules(),  # noqa: B008
) -> Text:
    """The text of one cell. Unknown column keys are a programming error (KeyError)."""
    status = state.status
    if column == "label":
        return label_text(state)
    if column == "status":
        return status_text(state, rules=rules)
    if column == "progress":
        percent = state.percent_done
        if percent is None:
            return _cell(fmt.NONE, "dim")
        text = bar_text(percent / 100, PROGRESS_BAR_WIDTH, condition_of(state, rules).tone)
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
        return _cell(fmt.count(failed), failure_style(state.failure_rate, rules, bold=True))
    if column == "fail_rate":
        share = state.failure_rate
        return _cell(fmt.percent(share, share=True), failure_style(share, rules))
    if column == "rate":
        return _cell(fmt.rate(measures.rate_per_minute(state)))
    if column == "next":
        style = "bold red" if state.failure is not None else ""
        return _cell(timed_words(column, state, now, rules), style)
    if column in TIMED_COLUMNS:
        return _cell(timed_words(column, state, now, rules))
    if column == "id":
        return _cell(short_id(state.batch_id), "dim")
    raise KeyError(column)


def timed_words(column: str, state: BatchState, now: float, rules: Rules) -> str:
    """What a column of `TIMED_COLUMNS` says now (its style depends on the state alone)."""
    if column == "eta":
        return fmt.eta(measures.eta(state, now, rules))
    if column == "next":
        return fmt.next_check(state, now)
    status = state.status
    return fmt.ago(getattr(status, f"{column}_at") if status else None, now)


def timed_changes_at(column: str, state: BatchState, now: float, rules: Rules) -> float:
    """When `timed_words(column, state, ...)` may next read differently (`text_changes`)."""
    if column == "eta":
        return text_changes.eta_changes_at(measures.finish_at(state, rules), now)
    if column == "next":
        return text_changes.next_check_changes_at(state, now)
    status = state.status
    return text_changes.ago_changes_at(getattr(status, f"{column}_at") if status else None, now)


def row_cells(
    state: BatchState,
    columns: Iterable[str],
    now: float,
    rules: Rules = Rules(),  # noqa: B008
) -> list[Text]:
    """The cells of a row for these columns, in their order."""
    return [cell_text(column, state, now, rules) for column in columns]
