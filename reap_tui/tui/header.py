"""The top two lines: environment badge, key state, counts by status, engine health."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from reap_tui import format as fmt
from reap_tui.api.errors import ApiFailure
from reap_tui.engine.engine import EngineHealth
from reap_tui.tui.cells import TONE_STYLES
from reap_tui.tui.line_body import LineBody
from reap_tui.vocabulary import Condition

NO_KEY = "no API key"

_BADGES = {
    "production": ("⚠ PRODUCTION ⚠", "bold white on red"),
    "sandbox": ("SANDBOX", "bold black on green"),
    "staging": ("STAGING", "bold black on yellow"),
    "demo": ("DEMO", "bold black on cyan"),
}


def environment_badge(environment: str) -> Text:
    words, style = _BADGES.get(environment, (environment.upper(), "bold black on magenta"))
    return Text(f" {words} ", style=style)


def _failure_words(failure: ApiFailure) -> str:
    status = f"HTTP {failure.http_status} " if failure.http_status is not None else ""
    return f"{status}{failure.kind.value}"


def _engine_line(
    environment: str, key_state: str, health: EngineHealth | None, now: float, *, short: bool
) -> Text:
    line = Text.assemble(environment_badge(environment), " ", ("key ", "dim"))
    if key_state == NO_KEY:
        line.append(f"{NO_KEY}: press k", style="bold red")
    else:
        line.append(key_state)
    line.append(" · ")
    if health is None:
        line.append("starting")
        return line
    requests = fmt.count(health.requests_made)
    # The words of the Next check column: "checking…" while a request is out, "queued" while
    # a due check waits for its turn under the limits.
    line.append(
        f"{requests} req, {health.in_flight} checking"
        if short
        else f"{requests} requests, {health.in_flight} checking"
    )
    if health.queued:
        line.append(f", {health.queued} queued")
    if health.last_failure is not None:
        line.append(" · ")
        line.append("last: " if short else "last failure ", style="dim")
        failure = health.last_failure
        words = f"HTTP {failure.http_status}" if short and failure.http_status else None
        line.append(words or _failure_words(failure), style="red")
        line.append(" ")
        line.append(fmt.ago(health.last_failure_at, now), style="dim")
    return line


def _counts_line(groups: list[tuple[Condition, int]], *, width: int) -> Text:
    """Each state's icon, count and name, most urgent first, in the words the table, the
    filter and the pane use. When the line is too long the spacing tightens, then the least
    urgent states keep only their icon and count (the help screen lists every icon)."""
    if not groups:
        return Text("No batch watched here: press a to add one.", style="dim")
    line = _counts(groups, named=len(groups), spaced=True)
    if line.cell_len <= width:
        return line
    for named in range(len(groups), -1, -1):
        line = _counts(groups, named=named, spaced=False)
        if line.cell_len <= width:
            break
    return line


def _counts(groups: list[tuple[Condition, int]], *, named: int, spaced: bool) -> Text:
    line = Text()
    for index, (condition, number) in enumerate(groups):
        if index:
            line.append("  " if spaced else " ")
        shown = f"{condition.icon} {number}" if spaced else f"{condition.icon}{number}"
        if index < named:
            shown += f" {condition.name}"
        line.append(shown, style=TONE_STYLES[condition.tone])
    return line


def header_text(
    *,
    environment: str,
    key_state: str,
    groups: list[tuple[Condition, int]],
    health: EngineHealth | None,
    now: float,
    width: int,
    totals: Text | None = None,
) -> Text:
    """Two lines: who and where, then how the batches stand, with the records of the batches
    shown (`totals`) where they fit; the same words at every width (see `_counts_line`)."""
    first = _engine_line(environment, key_state, health, now, short=False)
    if first.cell_len > width:
        first = _engine_line(environment, key_state, health, now, short=True)
    second = _counts_line(groups, width=width)
    if totals is not None and groups:
        first, second = _with_totals(
            first, second, totals, width, groups, environment, key_state, health, now
        )
    return Text("\n").join([first, second])


def _with_totals(
    first: Text,
    second: Text,
    totals: Text,
    width: int,
    groups: list[tuple[Condition, int]],
    environment: str,
    key_state: str,
    health: EngineHealth | None,
    now: float,
) -> tuple[Text, Text]:
    """The records shown, where they fit: after the counts, else after the first line (in its
    shorter form if need be), else after the counts drawn tighter to make room; else left out."""
    joined = Text.assemble(second, (" · ", "dim"), totals)
    if joined.cell_len <= width:
        return first, joined
    short = _engine_line(environment, key_state, health, now, short=True)
    for line in (first, short):
        on_first = Text.assemble(line, (" · ", "dim"), totals)
        if on_first.cell_len <= width:
            return on_first, second
    room = width - 3 - totals.cell_len
    tighter = _counts_line(groups, width=room)
    if room > 0 and tighter.cell_len <= room:
        return first, Text.assemble(tighter, (" · ", "dim"), totals)
    return first, second


class DashboardHeader(LineBody):
    DEFAULT_CSS = """
    DashboardHeader { max-height: 4; padding: 0 1; background: $panel; }
    """

    def show(self, renderable: RenderableType) -> None:
        """Drawn again only when it changes (it is offered every second), and then only the
        lines that did."""
        if renderable != self.content:
            super().show(renderable)
