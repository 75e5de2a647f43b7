"""The pure pieces under the dashboard: cell formatting, ordering, notices, snapshots."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reap_tui import format as fmt
from reap_tui.api.errors import failure_from_response
from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.engine.snapshots import initial_state, record_of
from reap_tui.engine.state import BatchState, Phase, Progress
from reap_tui.store.model import Entry, Source
from reap_tui.tui.counts import StatusCounts, terminal_title
from reap_tui.tui.notices import notices_for
from reap_tui.tui.ordering import COLUMN_ORDERS, SORT_CYCLE, matches, next_sort, ordered_ids
from reap_tui.vocabulary import condition_of

NOW = 1_759_923_600.0
ID_A = "f208a887-9fa6-4447-a52b-c1d6e089536f"
ID_B = "784d4045-c900-4050-aad6-8fe4c8d2fb16"


def status(kind: str, processed: int = 0, failed: int = 0, total: int = 100) -> BatchStatus:
    created = datetime.fromtimestamp(NOW - 600, tz=UTC)
    return BatchStatus(
        batch_id=ID_A,
        status=BatchStatusValue.from_wire(kind),
        total_records=total,
        processed_records=processed,
        failed_records=failed,
        created_at=created,
        updated_at=datetime.fromtimestamp(NOW - 30, tz=UTC),
        started_at=datetime.fromtimestamp(NOW - 300, tz=UTC) if kind != "pending" else None,
        completed_at=datetime.fromtimestamp(NOW - 30, tz=UTC) if kind == "completed" else None,
        summary=Summary(successful_records=processed - failed),
    )


def state(
    kind: str | None, *, batch_id: str = ID_A, label: str = "", **changes: object
) -> BatchState:
    base = BatchState(batch_id=batch_id, label=label, status=status(kind) if kind else None)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0s"), (45.4, "45s"), (65, "1m 05s"), (7260, "2h 01m"), (90000, "1d 1h")],
)
def test_duration(seconds: float | None, shown: str) -> None:
    assert fmt.duration(seconds) == shown


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        (2, "<1m ago"),
        (59, "<1m ago"),
        (-30, "<1m ago"),
        (60, "1m ago"),
        (180, "3m ago"),
        (7300, "2h ago"),
        (-120, "in 2m"),
    ],
)
def test_ago_reads_like_a_person_would_say_it(offset: float, shown: str) -> None:
    assert fmt.ago(NOW - offset, NOW) == shown


def test_countdown_and_due() -> None:
    assert fmt.countdown(NOW + 42, NOW) == "in 45s"
    assert fmt.countdown(NOW + 2, NOW) == "in 15s"
    assert fmt.countdown(NOW - 1, NOW) == "due"
    assert fmt.countdown(None, NOW) == "—"


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (59, "in 1m"),
        (54, "in 1m"),
        (45, "in 45s"),
        (30.2, "in 45s"),
        (16, "in 30s"),
        (60, "in 1m"),
        (119, "in 1m"),
        (185, "in 3m"),
        (1799, "in 29m"),
        (3600, "in 1h 00m"),
        (3900, "in 1h 05m"),
    ],
)
def test_countdown_shows_seconds_only_in_the_last_minute_in_steps_of_fifteen(
    left: float, shown: str
) -> None:
    assert fmt.countdown(NOW + left, NOW) == shown


def test_a_countdown_changes_once_a_minute_until_its_last_minute() -> None:
    """Half an hour counted down second by second: every change before the last minute falls
    on a whole minute and the last minute changes every fifteen seconds, so the one-second tick
    redraws such a row 33 times, not 1,800."""
    at = NOW + 1800
    changes = [
        second
        for second in range(1, 1800)
        if fmt.countdown(at, NOW + second) != fmt.countdown(at, NOW + second - 1)
    ]
    last_minute = [second for second in changes if 1800 - second < 60]
    before = [second for second in changes if 1800 - second >= 60]
    assert before == list(range(1, 1740, 60))  # 30m -> 29m at the first second, and so on
    assert last_minute == [1755, 1770, 1785]  # 45s, 30s, 15s


def test_numbers() -> None:
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.percent(0.0625, share=True) == "6.2%"
    assert fmt.rate(1204.4) == "1,204/min"
    assert fmt.rate(0.5) == "0.5/min"
    assert fmt.eta(125) == "~2m"
    assert fmt.eta(42) == "~45s"  # the last minute in steps of fifteen seconds
    assert fmt.eta(9 * 3600 + 59 * 60) == "~9h 59m"
    assert fmt.eta(23 * 3600 + 59 * 60) == "~24h"  # a large import's day: whole hours


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_an_eta_fits_its_column(seconds: float) -> None:
    from reap_tui.tui.cells import COLUMNS

    (width,) = (column.width for column in COLUMNS if column.key == "eta")
    assert len(fmt.eta(seconds)) <= width


def test_absolute_time_in_utc_names_the_zone() -> None:
    assert fmt.absolute(NOW, utc=True) == "2025-10-08 11:40:00 UTC"


@given(st.floats(min_value=-1, max_value=2), st.integers(min_value=1, max_value=40))
def test_bar_is_always_exactly_the_width(fraction: float, width: int) -> None:
    drawn = fmt.bar(fraction, width)
    assert len(drawn) == width
    if fraction >= 1:
        assert set(drawn) == {"█"}
    if fraction <= 0:
        assert set(drawn) == {"░"}


def test_sparkline_scales_between_min_and_max() -> None:
    assert fmt.sparkline([0, 50, 100], 10) == "▁▅█"
    # A flat line is drawn at its level on the scale given (a batch's total), never as a wall.
    assert fmt.sparkline([5, 5], 10, low=0, high=10) == "▅▅"
    assert fmt.sparkline([5, 5], 10) == "▁▁"
    assert len(fmt.sparkline(list(range(100)), 30)) == 30


def test_status_label_always_has_a_symbol_and_words() -> None:
    cases = {
        "completed clean": (state("completed"), "✓", "completed"),
        "completed failed": (
            dataclasses.replace(state("completed"), status=status("completed", 100, 5)),
            "▲",
            "with failures",
        ),
        "failed": (state("failed"), "✗", "failed"),
        "in progress": (state("in_progress"), "▶", "in progress"),
        "paused": (state("in_progress", phase=Phase.PAUSED), "‖", "paused"),
        "timed out": (state("pending", phase=Phase.TIMED_OUT), "◷", "timed out"),
        "auth": (state(None, phase=Phase.AUTH_REQUIRED), "!", "key needed"),
        "unknown": (state("ON_HOLD"), "?", "ON_HOLD"),
    }
    for name, (given_state, symbol, words) in cases.items():
        got_symbol, got_words, _ = fmt.status_label(given_state)
        assert (got_symbol, got_words) == (symbol, words), name


def test_next_check_says_why_there_is_none() -> None:
    assert fmt.next_check(state("completed", phase=Phase.COMPLETED), NOW) == "finished"
    assert fmt.next_check(state(None, phase=Phase.AUTH_REQUIRED), NOW) == "key needed (k)"
    assert fmt.next_check(state("in_progress", phase=Phase.TIMED_OUT), NOW) == "stopped (r)"
    polling = state("in_progress", phase=Phase.POLLING, next_check_at=NOW + 30)
    assert fmt.next_check(polling, NOW) == "in 30s"
    failing = dataclasses.replace(polling, failure=failure_from_response(500, None, b"", None))
    assert fmt.next_check(failing, NOW) == "retry in 30s"


def test_a_due_check_is_queued_until_its_request_is_out() -> None:
    due = state("in_progress", phase=Phase.POLLING, next_check_at=NOW - 3)
    assert fmt.next_check(due, NOW) == "queued"
    assert fmt.next_check(dataclasses.replace(due, checking=True), NOW) == "checking…"
    # A check asked for by hand on a finished batch waits its turn the same way.
    asked = state("completed", phase=Phase.COMPLETED, next_check_at=NOW)
    assert fmt.next_check(asked, NOW) == "queued"


def test_format_and_snapshots_load_no_textual() -> None:
    code = (
        "import sys, reap_tui.format, reap_tui.engine.snapshots; "
        "sys.exit(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_attention_order_puts_problems_first() -> None:
    done = state("completed", batch_id=ID_A, label="b")
    broken = state("failed", batch_id=ID_B, label="a")
    assert ordered_ids([done, broken], SORT_CYCLE[0]) == [ID_B, ID_A]
    assert ordered_ids([done, broken], COLUMN_ORDERS["label"]) == [ID_B, ID_A]
    assert ordered_ids([done, broken], COLUMN_ORDERS["label"], reverse=True) == [ID_A, ID_B]


def test_sort_cycle_comes_back_round() -> None:
    order = SORT_CYCLE[0]
    for _ in SORT_CYCLE:
        order = next_sort(order)
    assert order == SORT_CYCLE[0]


def test_filter_matches_label_id_and_status_words() -> None:
    subject = state("failed", label="March onboarding")
    assert matches(subject, "march")
    assert matches(subject, "F208A887")
    assert matches(subject, "failed march")
    assert not matches(subject, "pending")
    assert matches(subject, "")


def test_notices_on_the_transitions_that_matter() -> None:
    running = state("in_progress")
    assert notices_for(None, state("completed")) == []
    done = notices_for(running, state("completed"))
    assert [n.title for n in done] == ["Completed"]
    first_failed = dataclasses.replace(running, status=status("in_progress", 10, 1))
    assert [n.title for n in notices_for(running, first_failed)] == ["Failed records"]
    assert notices_for(first_failed, first_failed) == []
    timed_out = dataclasses.replace(running, phase=Phase.TIMED_OUT)
    assert [n.title for n in notices_for(running, timed_out)] == ["Stopped checking"]
    assert [n.severity for n in notices_for(running, state("failed"))] == ["error"]


def test_counts_and_title_read_in_words() -> None:
    counts = StatusCounts()
    for index, kind in enumerate(("failed", "in_progress", "in_progress")):
        counts.update(state(kind, batch_id=f"{index}"))
    groups = counts.groups()
    assert [(condition.name, number) for condition, number in groups] == [
        ("failed", 1),
        ("in progress", 2),
    ]
    assert terminal_title(groups, "sandbox") == "reap-tui sandbox: 1 failed, 2 in progress"


def test_counts_follow_each_change_and_removal() -> None:
    counts = StatusCounts()
    counts.update(state("in_progress", batch_id="a"))
    counts.update(state("in_progress", batch_id="b"))
    counts.update(state("completed", batch_id="a", phase=Phase.COMPLETED))
    counts.update(state("completed", batch_id="a", phase=Phase.COMPLETED))  # the same again
    assert [(condition.name, n) for condition, n in counts.groups()] == [
        ("in progress", 1),
        ("completed", 1),
    ]
    counts.remove("b")
    counts.remove("never-watched")
    assert [(condition.name, n) for condition, n in counts.groups()] == [("completed", 1)]


_KINDS = st.sampled_from([None, "pending", "in_progress", "completed", "failed"])
_CHANGES = st.lists(
    st.tuples(st.sampled_from("abcd"), st.one_of(st.none(), _KINDS.map(lambda kind: (kind,)))),
    max_size=30,
)


@given(_CHANGES)
def test_counts_kept_one_change_at_a_time_equal_a_recount(
    changes: list[tuple[str, tuple[str | None] | None]],
) -> None:
    """`None` removes the batch; otherwise it now shows that status."""
    counts = StatusCounts()
    current: dict[str, BatchState] = {}
    for batch_id, change in changes:
        if change is None:
            counts.remove(batch_id)
            current.pop(batch_id, None)
        else:
            current[batch_id] = state(change[0], batch_id=batch_id)
            counts.update(current[batch_id])
    recount: dict[object, int] = {}
    for each in current.values():
        recount[condition_of(each)] = recount.get(condition_of(each), 0) + 1
    assert dict(counts.groups()) == recount


def test_record_round_trip_keeps_what_the_table_shows() -> None:
    original = state(
        "in_progress",
        phase=Phase.POLLING,
        last_checked_at=NOW,
        history=(Progress(NOW, 10, 1),),
    )
    entry = Entry(ID_A, NOW, Source.MANUAL, "sandbox", "https://x", label="L")
    restored = initial_state(entry, record_of(original))
    assert restored.status is not None and original.status is not None
    assert restored.status.processed_records == original.status.processed_records
    assert restored.status.status.text == "in_progress"
    assert restored.phase is Phase.WAITING_FIRST_CHECK  # polling resumes with a fresh check
    assert restored.label == "L"
    finished = dataclasses.replace(original, phase=Phase.COMPLETED)
    assert initial_state(entry, record_of(finished)).phase is Phase.COMPLETED
