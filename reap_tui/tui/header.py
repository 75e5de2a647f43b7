"""The top two lines: environment badge, key state, counts by status, engine health."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from reap_tui import format as fmt
from reap_tui.api.errors import ApiFailure
from reap_tui.engine.engine import EngineHealth
from reap_tui.tui.cells import TONE_STYLES
from reap_tui.tui.counts import Group

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
    line.append(
        f"{requests} req, {health.in_flight} active"
        if short
        else f"{requests} requests, {health.in_flight} in flight"
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


_SHORT_WORDS = {"with failures": "failures", "in progress": "running", "completed": "done"}


def _counts_line(groups: list[tuple[Group, int]], *, short: bool) -> Text:
    line = Text()
    if not groups:
        line.append("No batches watched: press a to add one.", style="dim")
    for index, ((symbol, words, tone), number) in enumerate(groups):
        if index:
            line.append(" " if short else "  ")
        shown = (
            f"{symbol}{number} {_SHORT_WORDS.get(words, words)}"
            if short
            else (f"{symbol} {number} {words}")
        )
        line.append(shown, style=TONE_STYLES[tone])
    return line


def header_text(
    *,
    environment: str,
    key_state: str,
    groups: list[tuple[Group, int]],
    health: EngineHealth | None,
    now: float,
    width: int,
    totals: Text | None = None,
) -> Text:
    """Two lines: who and where, then how the batches stand, with the records of the batches
    shown (`totals`) where they fit; shorter words when narrow."""
    first = _engine_line(environment, key_state, health, now, short=False)
    if first.cell_len > width:
        first = _engine_line(environment, key_state, health, now, short=True)
    second = _counts_line(groups, short=False)
    if totals is not None and groups:
        # The records shown, where they fit: after the counts, else after the first line, else
        # after the counts in shorter words.
        for place, line in (
            ("second", second),
            ("first", first),
            ("second", _counts_line(groups, short=True)),
        ):
            joined = Text.assemble(line, (" · ", "dim"), totals)
            if joined.cell_len <= width:
                if place == "first":
                    first = joined
                else:
                    second = joined
                break
    if second.cell_len > width:
        second = _counts_line(groups, short=True)
    return Text("\n").join([first, second])


class DashboardHeader(Static):
    DEFAULT_CSS = """
    DashboardHeader { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """

    _shown: Text | None = None

    def show(self, text: Text) -> None:
        """Re-rendered only when the text changes (it is offered every second). A layout pass
        of the whole screen costs ~20 ms: it is asked for only when the header's height may
        change, i.e. when its number of lines does."""
        if text != self._shown:
            lines = _line_count(self._shown)
            self._shown = text
            self.update(text, layout=_line_count(text) != lines)


def _line_count(text: Text | None) -> int:
    return 0 if text is None else text.plain.count("\n") + 1
