"""When a time text next reads differently: never later than it does (a screen that waits for
it would show a stale text), and not every second (or waiting would save nothing)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState, Phase
from reap_tui.text_changes import (
    ago_changes_at,
    countdown_changes_at,
    eta_changes_at,
    next_check_changes_at,
    running_time_changes_at,
)
from reap_tui.tui.detail_render import time_texts, time_texts_change_at

from .conftest import START
from .state_gallery import gallery_states

STEP = 0.25  # how finely the texts are read between now and the change promised


def first_change(text: Callable[[float], str], now: float, horizon: float) -> float:
    """The first moment (to `STEP`) after `now` at which `text` reads differently."""
    before = text(now)
    moment = now
    while moment < now + horizon:
        moment += STEP
        if text(moment) != before:
            return moment
    return math.inf


def assert_promise_kept(text: Callable[[float], str], changes_at: float, now: float) -> None:
    horizon = 3 * 3600.0
    actual = first_change(text, now, horizon)
    said = f"{text(now)!r} at {now}: promised {changes_at}, was {actual}"
    assert changes_at <= actual + 1e-6, said
    if actual is math.inf:
        return
    # Not sooner than the step before the real change: at most a tick's re-reading is wasted.
    assert changes_at > actual - 1.0 - STEP or text(changes_at) == text(now)


NOWS = [1000.0 + offset for offset in (0, 0.1, 0.5, 0.9, 7.3, 44.6, 59.5, 61.2, 3599.7)]
# Seconds from now to the moment shown; hours away are left to the hour tests below (read
# at STEP they would take long).
OFFSETS = [-7200, -75, -59.9, -30, -0.4, 0, 0.3, 14.9, 15, 15.2, 44.5, 45.5, 59.4, 60, 61,
           89, 119.5, 600, 3540, 3599, 3600]  # fmt: skip


@pytest.mark.parametrize("now", NOWS)
def test_an_age_reads_the_same_until_the_moment_promised(now: float) -> None:
    for offset in OFFSETS:
        at = now - offset
        assert_promise_kept(lambda moment, at=at: fmt.ago(at, moment), ago_changes_at(at, now), now)


def test_an_age_in_hours_changes_at_the_hour() -> None:
    at, now = 0.0, 3 * 3600 + 125.0
    assert fmt.ago(at, now) == "3h ago"
    changes_at = ago_changes_at(at, now)
    assert changes_at == 4 * 3600
    assert fmt.ago(at, changes_at - 0.01) == "3h ago"
    assert fmt.ago(at, changes_at) == "4h ago"


@pytest.mark.parametrize("now", NOWS)
def test_a_countdown_reads_the_same_until_the_moment_promised(now: float) -> None:
    for offset in OFFSETS:
        at = now + offset
        promised = countdown_changes_at(at, now)
        assert_promise_kept(lambda moment, at=at: fmt.countdown(at, moment), promised, now)


@pytest.mark.parametrize("now", NOWS)
def test_an_eta_reads_the_same_until_the_moment_promised(now: float) -> None:
    for offset in OFFSETS:
        finish = now + offset

        def eta(moment: float, finish: float = finish) -> str:
            return fmt.eta(max(0.0, finish - moment))

        assert_promise_kept(eta, eta_changes_at(finish, now), now)


@pytest.mark.parametrize("now", NOWS)
def test_the_next_check_reads_the_same_until_the_moment_promised(now: float) -> None:
    """A countdown, a retry's countdown, a paused batch's check that comes due ("queued"),
    one being made, and none."""
    for offset in OFFSETS:
        for phase in (Phase.POLLING, Phase.PAUSED):
            for checking in (False, True):
                state = BatchState("b", phase=phase, next_check_at=now + offset, checking=checking)
                promised = next_check_changes_at(state, now)
                assert_promise_kept(lambda m, s=state: fmt.next_check(s, m), promised, now)
    none = BatchState("b", phase=Phase.COMPLETED)
    assert next_check_changes_at(none, now) == math.inf


def test_a_long_eta_changes_at_the_half_hour_and_at_ten_hours() -> None:
    finish, now = 100 * 3600.0, 0.0
    assert fmt.eta(finish - now) == "~100h"
    changes_at = eta_changes_at(finish, now)
    assert fmt.eta(finish - (changes_at - 1)) == "~100h"
    assert fmt.eta(finish - (changes_at + 1)) == "~99h"
    near_ten = finish - 10 * 3600 - 100
    assert fmt.eta(finish - near_ten) == "~10h"
    assert eta_changes_at(finish, near_ten) == finish - 10 * 3600
    assert fmt.eta(finish - (finish - 10 * 3600 + 1)) == "~9h 59m"


def test_the_longest_eta_changes_when_it_comes_into_range() -> None:
    finish, now = 20_000 * 3600.0, 0.0
    assert fmt.eta(finish - now) == f">{fmt.MOST_HOURS}h"
    changes_at = eta_changes_at(finish, now)
    assert fmt.eta(finish - (changes_at - 1)) == f">{fmt.MOST_HOURS}h"
    assert fmt.eta(finish - (changes_at + 1)) == f"~{fmt.MOST_HOURS}h"


def test_texts_that_no_longer_move_promise_no_change() -> None:
    assert ago_changes_at(None, 50.0) == math.inf
    assert countdown_changes_at(None, 50.0) == math.inf
    assert countdown_changes_at(50.2, 50.0) == math.inf  # "due"
    assert eta_changes_at(None, 50.0) == math.inf
    assert eta_changes_at(49.0, 50.0) == math.inf  # "~0s"


def test_a_minute_long_text_is_not_read_again_every_second() -> None:
    """What the saving is for: a countdown in minutes holds for up to a minute, one in its last
    minute for its fifteen-second step, an age for its minute."""
    assert countdown_changes_at(1000.0 + 350.5, 1000.0) == 1000.0 + 51.5  # "5m" until 4m 59s
    assert countdown_changes_at(1000.0 + 44.0, 1000.0) == 1000.0 + 14.0
    assert ago_changes_at(1000.0 - 130.0, 1000.0) == 1000.0 + 50.0


def test_a_running_time_reads_the_same_until_the_moment_promised() -> None:
    started = 1000.0

    def running(moment: float) -> str:  # as the detail reads a processing time still running
        elapsed = max(0.0, moment - started)
        return "<1m" if elapsed < 60 else fmt.coarse_duration(elapsed)

    for offset in (-30, 0, 0.4, 59.5, 60, 89.5, 90, 119.4, 119.5, 3599.5, 3600, 7322.2):
        now = started + offset
        assert_promise_kept(running, running_time_changes_at(started, now), now)


@pytest.mark.parametrize("offset", [0.0, 2.3, 41.8, 75.0, 3600.4])
def test_the_detail_reads_the_same_until_the_moment_promised(offset: float) -> None:
    """Every batch of the gallery, its times read every quarter second for ten minutes."""
    now = START + offset
    for state in gallery_states():
        promised = time_texts_change_at(state, now)
        before = time_texts(state, now)
        moment = now
        while moment < min(promised, now + 600):
            assert time_texts(state, moment) == before, f"{state.label} at {moment - START}"
            moment += STEP
        assert promised > now, f"{state.label}: read again at every tick"
