"""How numbers and times read on screen: relative times, durations, counts, bars.

Pure functions of their arguments (no clock is read here, no Textual is imported), shared by
the dashboard and the headless printer. Absent values read as an em dash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from reap_tui import vocabulary
from reap_tui.engine.state import BatchState, Phase
from reap_tui.vocabulary import Tone

NONE = "—"
_SPARKS = "▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"


def duration(seconds: float | None) -> str:
    """`45s`, `3m 05s`, `2h 07m`, `3d 4h`: the two largest units, never a fraction."""
    if seconds is None:
        return NONE
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


LAST_MINUTE_STEP = 15  # seconds: how a time in its last minute moves (`in 45s`, `~30s`)
DUE_WITHIN = 0.5  # seconds: a moment this close reads as reached (`due`, `queued`)


def _coarse(seconds: float) -> str:
    """One unit, for relative times: `3m`, `2h`, `4d` (never under a minute)."""
    total = max(60, int(seconds))
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h"
    return f"{total // 86400}d"


def ago(timestamp: float | datetime | None, now: float) -> str:
    """`3m ago`, `2h ago`; `<1m ago` within a minute (either way: clock skew); a time further
    ahead reads `in 3m`. Whole units only: a column of these changes once a minute at most."""
    if timestamp is None:
        return NONE
    at = timestamp.timestamp() if isinstance(timestamp, datetime) else timestamp
    delta = now - at
    if abs(delta) < 60:
        return "<1m ago"
    if delta < 0:
        return f"in {_coarse(-delta)}"
    return f"{_coarse(delta)} ago"


def coarse_duration(seconds: float) -> str:
    """A time left at the step a reader needs: `45s` in the last minute (in steps of fifteen
    seconds, rounded up), then whole minutes (`3m`, rounded down), then hours and minutes
    (`1h 05m`). Shown this way a time left changes once a minute until its last minute, then
    four times, so a table of them is not redrawn every second."""
    total = max(0, round(seconds))
    if total < 60:
        total = LAST_MINUTE_STEP * math.ceil(total / LAST_MINUTE_STEP)
    if total < 60:
        return f"{total}s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def countdown(at: float | None, now: float) -> str:
    """Time left until `at`: `in 45s`, `in 3m` (at `coarse_duration`'s steps), or `due` once
    reached."""
    if at is None:
        return NONE
    left = at - now
    if left < DUE_WITHIN:
        return "due"
    return f"in {coarse_duration(math.ceil(left))}"


def count(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def percent(value: float | None, *, share: bool = False) -> str:
    """A percentage with one decimal; `share=True` takes 0..1 instead of 0..100."""
    if value is None:
        return NONE
    return f"{value * 100 if share else value:.1f}%"


def rate(per_minute: float | None) -> str:
    """Records per minute: `1,204/min`, `0.5/min`."""
    if per_minute is None:
        return NONE
    if per_minute >= 10:
        return f"{per_minute:,.0f}/min"
    return f"{per_minute:.1f}/min"


ETA_WIDTH = 7  # `~9h 59m`; from ten hours on, whole hours (`~24h`)
MOST_HOURS = 9999
ETA_WHOLE_HOURS_FROM = 10 * 3600  # seconds: a longer ETA reads in whole hours


def eta(seconds: float | None) -> str:
    """Time to completion, at a countdown's step: `~42s`, `~12m`, `~3h 05m`; from ten hours on
    in whole hours, `~24h` (a large import's minutes that far ahead say nothing)."""
    if seconds is None:
        return NONE
    if seconds < ETA_WHOLE_HOURS_FROM:
        return f"~{coarse_duration(seconds)}"
    hours = round(seconds / 3600)
    return f"~{hours}h" if hours <= MOST_HOURS else f">{MOST_HOURS}h"


def absolute(timestamp: float | datetime | None, *, utc: bool) -> str:
    """`2025-10-08 11:40:20 UTC`, or the same moment in the local zone with its abbreviation."""
    if timestamp is None:
        return NONE
    moment = (
        timestamp if isinstance(timestamp, datetime) else datetime.fromtimestamp(timestamp, tz=UTC)
    )
    if utc:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or "local")


def clock_time(timestamp: float, *, utc: bool) -> str:
    """`11:40:20`: a time of day, for lists of recent events."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return (moment if utc else moment.astimezone()).strftime("%H:%M:%S")


def bar(fraction: float | None, width: int) -> str:
    """A bar of `width` cells filled to `fraction` (0..1) in eighths; blank cells are `░`."""
    if fraction is None:
        return "░" * width
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    partial = _EIGHTHS[part] if part and full < width else ""
    return ("█" * full + partial).ljust(width, "░")[:width]


def sparkline(
    values: Sequence[float], width: int, *, low: float | None = None, high: float | None = None
) -> str:
    """The last `width` values as block characters scaled from `low` to `high` (by default
    their own minimum and maximum). A flat line is drawn at its level on that scale: at the
    bottom when the values give no scale of their own."""
    shown = list(values)[-width:]
    if not shown:
        return ""
    low = min(shown) if low is None else low
    high = max(shown) if high is None else high
    if high <= low:
        return _SPARKS[0] * len(shown)
    shown = [min(high, max(low, value)) for value in shown]
    top = len(_SPARKS) - 1
    return "".join(_SPARKS[round((value - low) / (high - low) * top)] for value in shown)


STATUS_WIDTH = vocabulary.STATE_WIDTH


def status_label(
    state: BatchState,
    rules: vocabulary.Rules = vocabulary.Rules(),  # noqa: B008
) -> tuple[str, str, Tone]:
    """(symbol, words, tone) for a batch, from the one vocabulary: a symbol too, so colour is
    never the only signal. An unknown status shows the server's own word."""
    condition = vocabulary.condition_of(state, rules)
    return condition.icon, vocabulary.shown_words(state, condition), condition.tone


def next_check(state: BatchState, now: float) -> str:
    """When the next check happens, or why there is none. A check that is due but not out
    yet is waiting its turn under the request limits: "queued"; "checking…" only while its
    request is out."""
    if state.checking:
        return "checking…"
    if state.next_check_at is not None and state.next_check_at - now < DUE_WITHIN:
        return "queued"
    if state.next_check_at is not None and not state.phase.is_final:
        when = countdown(state.next_check_at, now)
        return f"retry {when}" if state.failure is not None else when
    return _NO_CHECK.get(state.phase, NONE)


# Why there is no next check, and the key that makes one.
_NO_CHECK = {
    Phase.COMPLETED: "finished",
    Phase.FAILED: "finished",
    Phase.NOT_FOUND: "stopped: 404",
    Phase.AUTH_REQUIRED: "key needed (k)",
    Phase.TIMED_OUT: "stopped (r)",
    Phase.PAUSED: "paused (space)",
    Phase.STOPPED: "stopped (r)",
}
NEXT_CHECK_WIDTH = max(len(text) for text in (*_NO_CHECK.values(), "retry in 55s"))
