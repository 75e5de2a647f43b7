"""The selected batch as Rich renderables: its state and why, the last error first (what to do
before what it was), then every field, progress, `summary.errors` and the recent checks.

Every server string goes through `clean()` into a `Text`; nothing here is parsed as markup.
Values that cannot be broken (the id, times, counts) are never wrapped (`detail_layout`).
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reap_tui import format as fmt
from reap_tui import measures, text_changes, vocabulary
from reap_tui.api.errors import ApiFailure
from reap_tui.engine.state import BatchState
from reap_tui.error_items import error_line
from reap_tui.text import clean
from reap_tui.tui.cells import TONE_STYLES, bar_text, failure_style, status_text
from reap_tui.tui.detail_layout import Field, FieldList, Title, field, slot
from reap_tui.vocabulary import Rules

SPARKLINE_WIDTH = 30
SERVER_TEXT_LIMIT = 300
SUMMARY_ERRORS_SHOWN = 20
LABEL_STYLE = "bold"
AGO_SLOT = len("(just now)")
COUNTDOWN_SLOT = fmt.NEXT_CHECK_WIDTH
DURATION_SLOT = len("23h 59m")


def _server(text: str | None) -> Text:
    """A server string, shown literally: escapes visible, bounded, never markup."""
    if text is None or text == "":
        return Text(fmt.NONE, style="dim")
    return Text(clean(text, limit=SERVER_TEXT_LIMIT))


def _moment(moment: datetime | float | None, now: float, utc: bool) -> Text:
    """`2025-10-08 11:40:20 UTC  (2m ago)`, the relative part in a slot of its own width."""
    shown = fmt.absolute(moment, utc=utc)
    if moment is None:
        return Text(shown, style="dim")
    return Text(f"{shown}  {slot(f'({fmt.ago(moment, now)})', AGO_SLOT)}")


def _why(state: BatchState, condition: vocabulary.Condition, rules: Rules) -> Text:
    """One sentence under the title: what the state means for this batch."""
    stall = vocabulary.stalled_for(state, rules)
    if condition is vocabulary.STALLED and stall is not None:
        words = (
            f"{fmt.count(stall.processed)} records processed at each of the last "
            f"{stall.checks + 1} checks ({fmt.duration(stall.seconds)}): no progress."
        )
    elif condition is vocabulary.TIMED_OUT and state.stop_reason:
        words = f"Checks stopped: {state.stop_reason}. Press r to check again."
    else:
        words = vocabulary.meaning(condition, rules)
        words = words[:1].upper() + words[1:] + "."
    return Text(clean(words), style="dim" if not condition.needs_person else "")


def _fields(state: BatchState, now: float, utc: bool, rules: Rules) -> FieldList:
    status = state.status
    rows: list[Field] = [
        field("Checks", f"{state.checks_made} made"),
        field("Next check", slot(fmt.next_check(state, now), COUNTDOWN_SLOT)),
    ]
    if state.phase.is_final and not state.phase.is_done and state.stop_reason:
        rows.append(field("Stopped", _server(state.stop_reason), breakable=True))
    if status is not None:
        if status.status.raw != status.status.text:
            rows.append(field("Sent as", _server(status.status.raw)))
        rows.append(
            field(
                "Records",
                f"{fmt.count(status.processed_records)} of {fmt.count(status.total_records)} "
                f"processed, {fmt.count(status.successful_records)} successful, "
                f"{fmt.count(status.failed_records)} failed",
                breakable=True,
            )
        )
        share = state.failure_rate
        if share is not None:
            style = failure_style(share, rules, bold=True)
            rows.append(field("Failure rate", fmt.percent(share, share=True), style))
        rows.append(field("Throughput", fmt.rate(measures.rate_per_minute(state))))
        rows.append(field("ETA", slot(fmt.eta(measures.eta(state, now, rules)), 8)))
        for name, moment in (
            ("Created", status.created_at),
            ("Started", status.started_at),
            ("Updated", status.updated_at),
            ("Completed", status.completed_at),
        ):
            rows.append(Field(name, _moment(moment, now, utc)))
        for name, shown in (
            ("Queue wait", fmt.duration(state.queue_wait)),
            ("Processing", _elapsed(state, state.processing_time(now))),
            ("Total time", _elapsed(state, state.total_time(now))),
        ):
            rows.append(field(name, slot(shown, DURATION_SLOT)))
    rows.append(Field("Last check", Text(fmt.absolute(state.last_checked_at, utc=utc))))
    if state.uploaded_at is not None:
        rows.append(Field("Uploaded", Text(fmt.absolute(state.uploaded_at, utc=utc))))
    return FieldList(rows)


def _progress(state: BatchState, rules: Rules) -> RenderableType | None:
    percent = state.percent_done
    status = state.status
    if percent is None or status is None:
        return None
    tone = vocabulary.condition_of(state, rules).tone
    line = Text.assemble(
        ("Progress  ", LABEL_STYLE), bar_text(percent / 100, 24, tone), f" {percent:.1f}%"
    )
    points = [float(point.processed) for point in state.history]
    if len(points) < 2:
        return line
    # Drawn against the batch's total, so a flat line sits at its level, not at the top.
    chart = fmt.sparkline(points, SPARKLINE_WIDTH, low=0.0, high=float(status.total_records))
    spark = Text.assemble(
        ("Processed ", LABEL_STYLE),
        (chart, TONE_STYLES[tone].replace("bold ", "")),
        (f" over {len(points[-SPARKLINE_WIDTH:])} checks", "dim"),
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


def failure_panel(failure: ApiFailure, *, show_raw: bool, advice: str | None = None) -> Panel:
    """The last error, what to do first: at 80x24 the pane opens on it."""
    rows = [
        Field("What to do", Text(advice or failure.action, style="bold"), True, "bold yellow"),
        field("Meaning", failure.meaning, breakable=True),
        field("Message", _server(failure.message), breakable=True),
        field("Parameter", _server(failure.parameter), breakable=True),
        field("Reap code", _server(failure.code)),
    ]
    if failure.detail:
        rows.append(field("Detail", _server(failure.detail), breakable=True))
    if failure.retry_after is not None:
        rows.append(field("Retry after", fmt.duration(failure.retry_after)))
    parts: list[RenderableType] = [FieldList(rows)]
    if show_raw:
        kind = clean(failure.content_type or "no content type", limit=60)
        raw = Text(f"Raw body ({kind}):\n", style="dim")
        raw.append(failure.body_excerpt or "(empty)")
        parts.append(raw)
    elif failure.body_excerpt:
        parts.append(Text("b: show the raw body", style="dim"))
    http = f"HTTP {failure.http_status} · " if failure.http_status else ""
    return Panel(
        Group(*parts),
        title=Text(f" {http}{failure.title} ", style="bold"),
        title_align="left",
        border_style="red",
    )


def _elapsed(state: BatchState, seconds: float | None) -> str:
    """A time still running reads in whole minutes (`<1m`, `12m`), so the pane does not change
    every second; once the batch has completed, exactly (`12m 05s`)."""
    if seconds is None:
        return fmt.NONE
    if state.status is not None and state.status.completed_at is not None:
        return fmt.duration(seconds)
    return "<1m" if seconds < 60 else fmt.coarse_duration(seconds)


def time_texts(state: BatchState, now: float, rules: Rules = Rules()) -> tuple[str, ...]:  # noqa: B008
    """Every text of the detail that changes with `now` alone (see `_fields`): while these and
    the state are the same, the detail renders the same, and the one-second tick can skip it."""
    return (
        fmt.next_check(state, now),
        fmt.eta(measures.eta(state, now, rules)),
        _elapsed(state, state.processing_time(now)),
        _elapsed(state, state.total_time(now)),
        *(fmt.ago(moment, now) for moment in _moments(state)),
    )


def time_texts_change_at(state: BatchState, now: float, rules: Rules = Rules()) -> float:  # noqa: B008
    """When `time_texts` may next read differently, the state unchanged (`text_changes`): until
    then the tick need not work them out again."""
    status = state.status
    changes = [
        text_changes.next_check_changes_at(state, now),
        text_changes.eta_changes_at(measures.finish_at(state, rules), now),
        *(text_changes.ago_changes_at(moment, now) for moment in _moments(state)),
    ]
    if status is not None and status.completed_at is None:  # processing and total time running
        changes += [
            text_changes.running_time_changes_at(start.timestamp(), now)
            for start in (status.started_at, status.created_at)
            if start is not None
        ]
    return min(changes)


def _moments(state: BatchState) -> list[datetime]:
    """The answer's times the detail shows with their age."""
    status = state.status
    if status is None:
        return []
    moments = (status.created_at, status.started_at, status.updated_at, status.completed_at)
    return [moment for moment in moments if moment is not None]


def render_detail(
    state: BatchState,
    *,
    now: float,
    utc: bool,
    show_raw: bool,
    rules: Rules = Rules(),  # noqa: B008
) -> Group:
    condition = vocabulary.condition_of(state, rules)
    label = Text(clean(state.label, limit=80) or state.batch_id, style="bold")
    parts: list[RenderableType] = [
        Title(label, status_text(state, 40, rules)),
        _why(state, condition, rules),
        FieldList([field("Id", state.batch_id)]),  # whole, on its own line, at any width
    ]
    if state.failure is not None:
        advice = vocabulary.what_to_do(state, state.failure)
        parts.append(failure_panel(state.failure, show_raw=show_raw, advice=advice))
    status = state.status
    if status is not None and status.anomalies:
        parts.append(_bulleted("Anomalies", [clean(a) for a in status.anomalies], "yellow"))
    parts.append(_fields(state, now, utc, rules))
    progress = _progress(state, rules)
    if progress is not None:
        parts.append(progress)
    if status is not None and status.summary.errors:
        errors = status.summary.errors
        lines = [error_line(item) for item in errors[:SUMMARY_ERRORS_SHOWN]]
        if len(errors) > SUMMARY_ERRORS_SHOWN:
            lines.append(f"… and {len(errors) - SUMMARY_ERRORS_SHOWN:,} more")
        parts.append(_bulleted("summary.errors", lines, "red"))
    checks = _recent_checks(state, utc)
    if checks is not None:
        parts.append(checks)
    return Group(*parts)
