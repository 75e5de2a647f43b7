"""When a time text of `format` next reads differently: the earliest clock time at which it
may (never later than it does), so a screen can leave it alone until then instead of working
it out again every second.

Each function mirrors the formatter it is named after; `tests/test_text_changes.py` holds them
to it over a range of times. The dashboard redraws a text that changed on its next beat
(`tui.beat`), not at its own moment.
"""

from __future__ import annotations

import math
from datetime import datetime

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState


def ago_changes_at(timestamp: float | datetime | None, now: float) -> float:
    """For `format.ago`: the age's unit (a minute, an hour, a day) turns over."""
    if timestamp is None:
        return math.inf
    at = timestamp.timestamp() if isinstance(timestamp, datetime) else timestamp
    delta = now - at
    if abs(delta) < 60:
        return at + 60
    whole = int(abs(delta))
    unit = 60 if whole < 3600 else 3600 if whole < 86400 else 86400
    if delta < 0:  # a time ahead (the server's clock): "in 3m" counts down
        return at - unit * (whole // unit)
    return at + unit * (whole // unit + 1)


def countdown_changes_at(at: float | None, now: float) -> float:
    """For `format.countdown`: the time left steps down, or it becomes "due"."""
    if at is None or at - now < fmt.DUE_WITHIN:
        return math.inf
    shown = math.ceil(at - now)  # what `countdown` passes to `coarse_duration`
    return min(at - fmt.DUE_WITHIN, at - _last_of_step(shown))


def next_check_changes_at(state: BatchState, now: float) -> float:
    """For `format.next_check`: its countdown steps down, or a check comes due ("queued")."""
    at = state.next_check_at
    if state.checking or at is None or at - now < fmt.DUE_WITHIN:
        return math.inf
    if state.phase.is_final:
        return at - fmt.DUE_WITHIN  # "queued" from then
    return countdown_changes_at(at, now)


def eta_changes_at(finish_at: float | None, now: float) -> float:
    """For `format.eta` of `finish_at - now` seconds (`measures.eta`)."""
    if finish_at is None:
        return math.inf
    left = finish_at - now
    if left >= fmt.ETA_WHOLE_HOURS_FROM:
        hours = min(round(left / 3600), fmt.MOST_HOURS + 1)
        return finish_at - max((hours - 0.5) * 3600, fmt.ETA_WHOLE_HOURS_FROM)
    shown = round(max(0.0, left))  # what `coarse_duration` rounds to
    if shown == 0:
        return math.inf  # `~0s` from here on
    return finish_at - _last_of_step(shown) - 0.5


def running_time_changes_at(started: float, now: float) -> float:
    """For a time still running, read `<1m` for its first minute, then as
    `format.coarse_duration` (in whole minutes): its minute turns over."""
    elapsed = max(0.0, now - started)
    if elapsed < 60:
        return started + 60
    return started + 60 * (round(elapsed) // 60 + 1) - 0.5


def _last_of_step(seconds: int) -> int:
    """The largest whole number of seconds below `seconds` that `coarse_duration` may show
    differently: the end of the previous fifteen-second step in the last minute, else of the
    previous minute."""
    if seconds < 60:
        return fmt.LAST_MINUTE_STEP * (math.ceil(seconds / fmt.LAST_MINUTE_STEP) - 1)
    return 60 * (seconds // 60) - 1
