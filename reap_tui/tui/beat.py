"""The dashboard's beat: the moments it redraws what only time, or a batch's routine progress,
changed. Every five seconds of the clock, rather than at each check's answer or each text's
own moment, so the rows, the header and the detail that moved are drawn in one frame (a frame
costs more than the rows it draws). A batch that moved to another state, and the one under the
cursor, do not wait for it (`core`).
"""

from __future__ import annotations

import math

from reap_tui.clock import Clock

REDRAW_BEAT = 5.0
"""Seconds between beats. A coarse time text (a step of fifteen seconds or more) so shows at
most one beat late."""
BEAT_TICKS = 5
"""The most one-second ticks between beats: a clock held still (a test's) or set back still
has them."""


def on_the_beat(moment: float) -> float:
    """The first beat of the clock (a whole multiple of `REDRAW_BEAT`) at or after `moment`."""
    if math.isinf(moment):
        return moment
    return math.ceil(moment / REDRAW_BEAT) * REDRAW_BEAT


class Beat:
    """Told of each tick, says whether it is on the beat: the clock has reached the next beat,
    or `BEAT_TICKS` ticks have passed since the last."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._next = -math.inf
        self._ticks = 0

    def tick(self) -> bool:
        now = self._clock.now()
        self._ticks += 1
        if now < self._next and self._ticks < BEAT_TICKS:
            return False
        self._next = math.floor(now / REDRAW_BEAT + 1) * REDRAW_BEAT
        self._ticks = 0
        return True
