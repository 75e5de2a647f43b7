"""How numbers and times read on screen: relative times, durations, counts, bars.

Pure functions of their arguments (no clock is read here, no Textual is imported), shared by
the dashboard and the headless printer. Absent values read as an em dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

from reap_tui.api.models import StatusKind
from reap_tui.engine.state import BatchState, Phase

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


def _coarse(seconds: float) -> str:
    """One unit, for relative times: `12s`, `3m`, `2h`, `4d`."""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h"
    return f"{total // 86400}d"


def ago(timestamp: float | datetime | None, now: float) -> str:
    """`3m ago`; `just now` within five seconds; a future time (clock skew) reads `in 3m`."""
    if timestamp is None:
        return NONE
    at = timestamp.timestamp() if isinstance(timestamp, datetime) else timestamp
    delta = now - at
    if abs(delta) < 5:
        return "just now"
    if delta < 0:
        return f"in {_coarse(-delta)}"
    return f"{_coarse(delta)} ago"


def coarse_duration(seconds: float) -> str:
    """A time left at the step a reader needs: `42s` in the last minute, then whole minutes
    (`3m`, rounded down), then hours and minutes (`1h 05m`). A countdown shown this way
    changes once a minute until its last minute, so a table of them is not redrawn every second.
    """
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def countdown(at: float | None, now: float) -> str:
    """Time left until `at`: `in 42s`, `in 3m`, or `due` once reached."""
    if at is None:
        return NONE
    left = at - now
    if left < 0.5:
        return "due"
    return f"in {coarse_duration(left)}"


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


def eta(seconds: float | None) -> str:
    """Time to completion, at a countdown's step: `~42s`, `~12m`."""
    return NONE if seconds is None else f"~{coarse_duration(seconds)}"


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


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` values as block characters scaled between their minimum and maximum."""
    shown = list(values)[-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    if high == low:
        return _SPARKS[0 if high == 0 else -1] * len(shown)
    top = len(_SPARKS) - 1
    return "".join(_SPARKS[round((value - low) / (high - low) * top)] for value in shown)


class Tone(StrEnum):
    """What a status means to a reader; the screen picks a colour for each."""

    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    ACTIVE = "active"
    WAITING = "waiting"
    IDLE = "idle"


STATUS_WIDTH = 13


def status_label(state: BatchState) -> tuple[str, str, Tone]:
    """(symbol, words, tone) for a batch: a symbol too, so colour is never the only signal.

    The batch's own status wins when it is final; otherwise why checks stopped (paused,
    timed out, key needed, not found) matters more than the last status seen.
    """
    kind = state.status_kind
    if kind is StatusKind.COMPLETED:
        if state.status is not None and state.status.failed_records > 0:
            return "▲", "completed", Tone.WARN
        return "✓", "completed", Tone.GOOD
    if kind is StatusKind.FAILED:
        return "✗", "failed", Tone.BAD
    phase = state.phase
    if phase is Phase.NOT_FOUND:
        return "✗", "not found", Tone.BAD
    if phase is Phase.AUTH_REQUIRED:
        return "!", "key needed", Tone.BAD
    if phase is Phase.TIMED_OUT:
        return "◷", "timed out", Tone.WARN
    if phase is Phase.PAUSED:
        return "‖", "paused", Tone.IDLE
    if phase is Phase.STOPPED:
        return "■", "stopped", Tone.IDLE
    if kind is StatusKind.IN_PROGRESS:
        return "▶", "in progress", Tone.ACTIVE
    if kind is StatusKind.PENDING:
        return "◌", "pending", Tone.WAITING
    if kind is StatusKind.UNKNOWN and state.status is not None:
        return "?", state.status.status.raw, Tone.WARN
    if state.failure is not None:
        return "↻", "retrying", Tone.WARN
    return "…", "first check", Tone.WAITING


def next_check(state: BatchState, now: float) -> str:
    """When the next check happens, or why there is none. A check that is due but not out
    yet is waiting its turn under the request limits: "queued"; "checking…" only while its
    request is out."""
    if state.checking:
        return "checking…"
    if state.next_check_at is not None and state.next_check_at - now < 0.5:
        return "queued"
    if state.next_check_at is not None and not state.phase.is_final:
        when = countdown(state.next_check_at, now)
        return f"retry {when}" if state.failure is not None else when
    reasons = {
        Phase.COMPLETED: "done",
        Phase.FAILED: "done",
        Phase.NOT_FOUND: "stopped: 404",
        Phase.AUTH_REQUIRED: "needs key (k)",
        Phase.TIMED_OUT: "30 min limit",
        Phase.PAUSED: "paused",
        Phase.STOPPED: "stopped",
    }
    return reasons.get(state.phase, NONE)
