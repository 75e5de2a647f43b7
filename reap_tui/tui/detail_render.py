"""The selected batch as Rich renderables: every field, progress, recent checks, the last error.

Every server string goes through `clean()` into a `Text`; nothing here is parsed as markup.
"""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reap_tui import format as fmt
from reap_tui.api.errors import ApiFailure
from reap_tui.engine.state import BatchState
from reap_tui.text import clean
from reap_tui.tui.cells import bar_text, status_text

SPARKLINE_WIDTH = 30
SERVER_TEXT_LIMIT = 300
LABEL_STYLE = "bold"


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=LABEL_STYLE, no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _value(text: str, style: str = "") -> Text:
    return Text(text, style=style)


def _server(text: str | None) -> Text:
    """A server string, shown literally: escapes visible, bounded, never markup."""
    if text is None or text == "":
        return Text(fmt.NONE, style="dim")
    return Text(clean(text, limit=SERVER_TEXT_LIMIT))


def _summary_error(item: object) -> str:
    if isinstance(item, str):
        return clean(item, limit=SERVER_TEXT_LIMIT)
    return clean(json.dumps(item, ensure_ascii=False, default=str), limit=SERVER_TEXT_LIMIT)


def _fields(state: BatchState, now: float, utc: bool) -> Table:
    grid = _grid()
    status = state.status
    grid.add_row("Id", _value(state.batch_id))
    grid.add_row("Label", _server(state.label) if state.label else Text(fmt.NONE, style="dim"))
    grid.add_row("Status", status_text(state, width=60))
    if status is not None and status.status.raw != status.status.text:
        grid.add_row("Sent as", _server(status.status.raw))
    why = state.stop_reason or state.phase.value
    grid.add_row("Checks", _value(f"{state.checks_made} made; next: {fmt.next_check(state, now)}"))
    if state.phase.is_final and not state.phase.is_done and why:
        grid.add_row("Stopped", _server(why))
    if status is not None:
        grid.add_row(
            "Records",
            _value(
                f"{fmt.count(status.processed_records)} of {fmt.count(status.total_records)} "
                f"processed, {fmt.count(status.successful_records)} successful, "
                f"{fmt.count(status.failed_records)} failed"
            ),
        )
        if status.failed_records:
            grid.add_row(
                "Failure rate",
                _value(fmt.percent(state.failure_rate, share=True), "bold red"),
            )
        grid.add_row(
            "Throughput",
            _value(f"{fmt.rate(state.throughput_per_minute)}   ETA {fmt.eta(state.eta(now))}"),
        )
        for name, moment in (
            ("Created", status.created_at),
            ("Started", status.started_at),
            ("Updated", status.updated_at),
            ("Completed", status.completed_at),
        ):
            shown = fmt.absolute(moment, utc=utc)
            grid.add_row(name, _value(f"{shown}  ({fmt.ago(moment, now)})" if moment else shown))
        grid.add_row(
            "Queue wait",
            _value(
                f"{fmt.duration(state.queue_wait)}   processing "
                f"{_elapsed(state, state.processing_time(now))}   total "
                f"{_elapsed(state, state.total_time(now))}"
            ),
        )
    grid.add_row("Last check", _value(fmt.absolute(state.last_checked_at, utc=utc)))
    if state.uploaded_at is not None:
        grid.add_row("Uploaded", _value(fmt.absolute(state.uploaded_at, utc=utc)))
    return grid


def _progress(state: BatchState) -> RenderableType | None:
    percent = state.percent_done
    if percent is None:
        return None
    tone = fmt.status_label(state)[2]
    line = Text.assemble(
        ("Progress  ", LABEL_STYLE), bar_text(percent / 100, 24, tone), f" {percent:.1f}%"
    )
    points = [float(point.processed) for point in state.history]
    if len(points) < 2:
        return line
    spark = Text.assemble(
        ("Processed ", LABEL_STYLE),
        (fmt.sparkline(points, SPARKLINE_WIDTH), "cyan"),
        (f" over {len(points)} checks", "dim"),
    )
    return Group(line, spark)


def _recent_checks(state: BatchState, utc: bool) -> RenderableType | None:
    if not state.recent_checks:
        return None
    table = Table(
        title="Recent checks", title_justify="left", box=None, pad_edge=False, expand=False
    )
    table.add_column("Time", no_wrap=True)
    table.add_column("HTTP", justify="right", no_wrap=True)
    table.add_column("Outcome", overflow="fold")
    for check in reversed(state.recent_checks[-6:]):
        http = str(check.http_status) if check.http_status is not None else fmt.NONE
        outcome = clean(check.outcome, limit=80) + (" (by you)" if check.manual else "")
        style = "" if check.http_status == 200 else "red"
        table.add_row(fmt.clock_time(check.at, utc=utc), Text(http, style=style), Text(outcome))
    return table


def _bulleted(title: str, lines: list[str], style: str) -> RenderableType:
    body = Text(title + "\n", style=f"bold {style}")
    for line in lines:
        body.append("• ")
        body.append(line)
        body.append("\n")
    body.rstrip()
    return body


def failure_panel(failure: ApiFailure, *, show_raw: bool) -> Panel:
    grid = _grid()
    grid.add_row("What", Text(failure.title, style="bold"))
    grid.add_row("HTTP", _value(str(failure.http_status) if failure.http_status else fmt.NONE))
    grid.add_row("Reap code", _server(failure.code))
    grid.add_row("Message", _server(failure.message))
    grid.add_row("Parameter", _server(failure.parameter))
    grid.add_row("Meaning", _value(failure.meaning))
    if failure.detail:
        grid.add_row("Detail", _server(failure.detail))
    if failure.retry_after is not None:
        grid.add_row("Retry after", _value(fmt.duration(failure.retry_after)))
    action = Text("What to do: ", style="bold yellow")
    action.append(failure.action, style="bold")
    parts: list[RenderableType] = [grid, action]
    if show_raw:
        kind = clean(failure.content_type or "no content type", limit=60)
        raw = Text(f"Raw body ({kind}):\n", style="dim")
        raw.append(failure.body_excerpt or "(empty)")
        parts.append(raw)
    elif failure.body_excerpt:
        parts.append(Text("b: show the raw body", style="dim"))
    return Panel(
        Group(*parts),
        title=Text(f" {failure.kind.value} ", style="bold"),
        title_align="left",
        border_style="red",
    )


def _elapsed(state: BatchState, seconds: float | None) -> str:
    """A time still running reads in steps of ten seconds, then whole minutes (`40s`, `12m`),
    so the pane does not change every second; once the batch has completed, exactly
    (`12m 05s`)."""
    if seconds is None:
        return fmt.NONE
    if state.status is not None and state.status.completed_at is not None:
        return fmt.duration(seconds)
    return fmt.coarse_duration(seconds - seconds % 10 if seconds < 60 else seconds)


def time_texts(state: BatchState, now: float) -> tuple[str, ...]:
    """Every text of the detail that changes with `now` alone (see `_fields`): while these and
    the state are the same, the detail renders the same, and the one-second tick can skip it."""
    status = state.status
    moments = (
        (status.created_at, status.started_at, status.updated_at, status.completed_at)
        if status is not None
        else ()
    )
    return (
        fmt.next_check(state, now),
        fmt.eta(state.eta(now)),
        _elapsed(state, state.processing_time(now)),
        _elapsed(state, state.total_time(now)),
        *(fmt.ago(moment, now) for moment in moments if moment is not None),
    )


def render_detail(state: BatchState, *, now: float, utc: bool, show_raw: bool) -> Group:
    title = Text.assemble(
        (clean(state.label, limit=80) or state.batch_id, "bold"), "  ", status_text(state, 40)
    )
    parts: list[RenderableType] = [title]
    if state.failure is not None:
        parts.append(failure_panel(state.failure, show_raw=show_raw))
    parts.append(_fields(state, now, utc))
    progress = _progress(state)
    if progress is not None:
        parts.append(progress)
    status = state.status
    if status is not None and status.anomalies:
        parts.append(_bulleted("Anomalies", [clean(a) for a in status.anomalies], "yellow"))
    if status is not None and status.summary.errors:
        errors = [_summary_error(item) for item in status.summary.errors[:20]]
        parts.append(_bulleted("summary.errors", errors, "red"))
    checks = _recent_checks(state, utc)
    if checks is not None:
        parts.append(checks)
    return Group(*parts)
