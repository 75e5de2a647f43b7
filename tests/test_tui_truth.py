"""What the dashboard says is so: the attention sort keeps sorting, anomalies and stalls are
named, colours carry meaning, the pane never breaks a value, and no two places contradict each
other. Over a stub engine whose states the test publishes, on a fixed clock."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState, Phase, Progress
from reap_tui.tui import detail_pane
from reap_tui.tui.app import DashboardApp
from reap_tui.tui.beat import BEAT_TICKS, on_the_beat
from reap_tui.tui.header import DashboardHeader
from reap_tui.tui.notices import notices_for
from reap_tui.vocabulary import Rules

from .conftest import START
from .dashboard_support import detail_text
from .state_gallery import IDS, NOT_FOUND_ERROR, SERVER_ERROR, answer, gallery_states, moving
from .tui_support import StubEngine, stub_app, wait_for


def header_text(app: DashboardApp) -> str:
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(app.query_one(DashboardHeader).content)
    return console.export_text()


def running(number: int, processed: int) -> BatchState:
    batch_id = f"{number:08x}-1111-4111-8111-{number:012x}"
    return BatchState(
        batch_id,
        label=f"Batch {number:02d}",
        phase=Phase.POLLING,
        status=answer(batch_id, "in_progress", 5000, processed),
        history=moving(processed),
        checks_made=10,
        last_checked_at=START - 40,
        next_check_at=START + 40,
    )


async def flushed(pilot: Pilot[None]) -> None:
    await pilot.pause(0.35)


@asynccontextmanager
async def working(
    tmp_path: Path, count: int
) -> AsyncIterator[tuple[DashboardApp, Pilot[None], StubEngine, list[BatchState]]]:
    """A dashboard at 120x36 showing `count` batches in progress (the first the least done),
    its first flush made."""
    batches = [running(n, 100 * n) for n in range(1, count + 1)]
    app, engines = stub_app(batches, tmp_path / "w.toml", FakeClock(START, auto_advance=False))
    async with app.run_test(size=(120, 36)) as pilot:
        await flushed(pilot)
        yield app, pilot, engines[0], batches


def not_found(batch: BatchState) -> BatchState:
    return dataclasses.replace(
        batch, phase=Phase.NOT_FOUND, failure=NOT_FOUND_ERROR, next_check_at=None
    )


async def test_attention_keeps_sorting_as_answers_come_and_the_cursor_stays(
    tmp_path: Path,
) -> None:
    async with working(tmp_path, 10) as (app, pilot, engine, batches):
        app.select_batch(batches[4].batch_id)
        await flushed(pilot)
        # The ninth batch is not found: it needs a person, so it goes to the top.
        lost = not_found(batches[8])
        engine.publish(lost)
        await wait_for(pilot, lambda: app.table.row_keys[0] == lost.batch_id)
        assert app.table.cursor_key == batches[4].batch_id, "the cursor stays on its batch"
        # The seventh batch completes: it goes below every batch still working.
        done = dataclasses.replace(
            batches[6],
            phase=Phase.COMPLETED,
            status=answer(batches[6].batch_id, "completed", 5000, 5000, completed=-10),
        )
        assert app.table.row_keys[-1] != done.batch_id
        engine.publish(done)
        await wait_for(pilot, lambda: app.table.row_keys[-1] == done.batch_id)
        assert app.table.cursor_key == batches[4].batch_id


def counting_ticks(app: DashboardApp) -> list[tuple[str, ...]]:
    """The table's rows after each tick, from now on."""
    after: list[tuple[str, ...]] = []
    tick = app._tick

    def counted(on_beat: bool) -> None:
        tick(on_beat)
        after.append(app.table.row_keys)

    app._tick = counted  # type: ignore[method-assign]
    return after


async def test_rows_that_keep_moving_are_put_in_place_every_few_ticks_but_trouble_at_once(
    tmp_path: Path,
) -> None:
    async with working(tmp_path, 10) as (app, pilot, engine, batches):
        ticks = counting_ticks(app)
        first, second, lost = batches[0], batches[1], batches[2]

        def finishing(batch: BatchState) -> BatchState:
            """Nearly done: sorted first among the working batches."""
            return dataclasses.replace(
                batch, status=answer(batch.batch_id, "in_progress", 5000, 4990), checks_made=11
            )

        engine.publish(finishing(first))  # the first move after a quiet while: the next tick
        await wait_for(pilot, lambda: app.table.row_keys[0] == first.batch_id)
        moved_at = len(ticks)
        assert moved_at <= 1
        engine.publish(finishing(second))  # moving again so soon: a few ticks later
        await wait_for(pilot, lambda: second.batch_id in app.table.row_keys[:2])
        waited = len(ticks) - moved_at
        assert waited >= 4, "not put in place at every tick while rows keep moving"
        assert all(second.batch_id not in rows[:2] for rows in ticks[moved_at:-1])
        # A batch that needs a person moves at the next tick, however recent the last move.
        moved_at = len(ticks)
        engine.publish(not_found(lost))
        await wait_for(pilot, lambda: app.table.row_keys[0] == lost.batch_id)
        assert len(ticks) - moved_at <= 1


async def test_a_flush_that_moves_nothing_in_the_order_does_not_reorder(tmp_path: Path) -> None:
    async with working(tmp_path, 30) as (app, pilot, engine, batches):
        orders: list[tuple[str, ...]] = []
        set_rows = app.table.set_rows

        def counting(keys: object) -> None:
            set_rows(keys)  # type: ignore[arg-type]
            orders.append(app.table.row_keys)

        app.table.set_rows = counting  # type: ignore[method-assign]
        for batch in batches:  # a check each, nothing moves
            engine.publish(dataclasses.replace(batch, checks_made=11))
        await flushed(pilot)
        assert orders == []


def progress(batch: BatchState, processed: int) -> BatchState:
    return dataclasses.replace(batch, status=answer(batch.batch_id, "in_progress", 5000, processed))


async def test_progress_waits_for_the_beat_but_a_new_state_and_the_batch_looked_at_do_not(
    tmp_path: Path,
) -> None:
    async with working(tmp_path, 10) as (app, pilot, engine, batches):
        looked_at, other, lost = batches[4], batches[5], batches[6]
        app.select_batch(looked_at.batch_id)
        await flushed(pilot)
        for timer in app._refresh_timers:  # no tick from here on, until resumed
            timer.pause()

        engine.publish(progress(other, 4321))
        await pilot.pause(0.6)
        assert app.table.cell_text(other.batch_id, "done") == "600/5,000", "not before the tick"
        # A flush applies every change pending, so these bring the first along.
        engine.publish(progress(looked_at, 4321))
        await pilot.pause(0.6)
        assert app.table.cell_text(looked_at.batch_id, "done") == "4,321/5,000"
        engine.publish(not_found(lost))
        await pilot.pause(0.6)
        assert app.table.cell_text(lost.batch_id, "status") == "✗ not found"
        engine.publish(progress(other, 4400))
        await pilot.pause(0.6)
        assert app.table.cell_text(other.batch_id, "done") == "4,321/5,000"
        for timer in app._refresh_timers:
            timer.resume()
        await wait_for(pilot, lambda: app.table.cell_text(other.batch_id, "done") == "4,400/5,000")


async def test_progress_shows_on_the_beat_and_the_header_counts_a_new_state_at_the_next_tick(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    batches = [running(n, 100 * n) for n in range(1, 11)]
    app, engines = stub_app(batches, tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await flushed(pilot)
        engine, other, lost = engines[0], batches[5], batches[6]
        app.select_batch(batches[0].batch_id)
        await flushed(pilot)
        for timer in app._refresh_timers:  # the seconds are ticked by hand from here on
            timer.pause()

        def second() -> None:
            clock.advance(1.0)
            app._on_second()

        clock.advance(on_the_beat(clock.now() + 1) - 1 - clock.now())
        second()  # on the beat: nothing is pending from here
        engine.publish(progress(other, 4321))
        for _ in range(BEAT_TICKS - 1):
            second()
            await pilot.pause()
            assert app.table.cell_text(other.batch_id, "done") == "600/5,000"
        second()
        await pilot.pause()
        assert app.table.cell_text(other.batch_id, "done") == "4,321/5,000"

        assert "not found" not in header_text(app)
        engine.publish(not_found(lost))
        await flushed(pilot)
        assert app.table.cell_text(lost.batch_id, "status") == "✗ not found"
        second()  # off the beat
        await pilot.pause()
        assert "✗ 1 not found" in header_text(app)


async def test_impossible_counts_are_shown_counted_and_filtered_as_anomalous(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(200, 50)) as pilot:
        await flushed(pilot)
        anomalous = IDS["anomalous"]
        assert app.table.cell_text(anomalous, "status") == "≠ anomalous"
        header = header_text(app)
        assert "≠1 anomalous" in header and "✓1 completed" in header
        await pilot.press("slash", *"anomalous", "enter")
        await flushed(pilot)
        assert app.table.row_keys == (anomalous,)
        assert "processedRecords (15) exceeds totalRecords (10)" in detail_text(app)


async def test_a_batch_that_stopped_moving_is_stalled_and_its_chart_is_flat(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await flushed(pilot)
        stalled = IDS["stalled"]
        assert app.table.cell_text(stalled, "status") == "▷ stalled"
        assert app.table.cell_text(stalled, "eta") == "—"
        assert "▷1 stalled" in header_text(app)
        app.select_batch(stalled)
        await flushed(pilot)
        pane = detail_text(app)
        assert "at each of the last 21 checks" in pane
        chart = next(line for line in pane.splitlines() if line.startswith("Processed"))
        bars = chart.split()[1]
        assert len(set(bars)) == 1 and "█" not in bars, "half done is drawn half high"


async def test_failure_rates_are_coloured_by_the_thresholds(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    rates = {1: 0, 2: 9, 3: 19, 4: 62}  # failed records of 1,000: 0%, 0.9%, 1.9%, 6.2%
    batches = []
    for number, failed in rates.items():
        state = running(number, 1000)
        status = answer(state.batch_id, "in_progress", 5000, 1000, failed)
        batches.append(dataclasses.replace(state, status=status))
    app, _ = stub_app(batches, tmp_path / "w.toml", clock)
    async with app.run_test(size=(200, 50)) as pilot:
        await flushed(pilot)
        styles = {}
        for number, state in zip(rates, batches, strict=True):
            line = app.table._row_cells(app.table.row_index(state.batch_id) or 0)
            placed = {p.key: p for p in app.table.shown_columns}["fail_rate"]
            cell = line.crop(placed.x, placed.x + placed.width)
            colours = {seg.style.color.name for seg in cell if seg.style and seg.style.color}
            styles[number] = colours
        assert styles[1] == set() and styles[2] == set(), "0.0% and 0.9% are not coloured"
        assert styles[3] == {"yellow"} and styles[4] == {"red"}


async def test_the_pane_keeps_an_id_and_its_times_whole_at_every_width(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    long_label = "A label long enough to need two lines in the pane at any width " * 2
    states = gallery_states()
    states[10] = dataclasses.replace(states[10], label=long_label.strip())
    selected = states[10].batch_id
    for size in ((80, 24), (120, 36), (200, 50)):
        app, _ = stub_app(states, tmp_path / f"w{size[0]}.toml", clock)
        async with app.run_test(size=size) as pilot:
            await flushed(pilot)
            app.select_batch(selected)
            await flushed(pilot)
            body = app.query_one("#detail-body")
            width = body.content_region.width
            console = Console(width=width, record=True, file=io.StringIO())
            console.print(body.content)  # type: ignore[attr-defined]
            lines = console.export_text().splitlines()
            assert any(selected in line for line in lines), f"id whole at {size}"
            assert any(line.rstrip().endswith("▶ in progress") for line in lines), "state whole"
            assert not any(line.rstrip().endswith("▶ in") for line in lines)
            heights = set()
            for _ in range(40):  # the relative times tick: the pane's lines stay where they are
                clock.advance(1.7)
                app._tick(on_beat=True)
                console = Console(width=width, record=True, file=io.StringIO())
                console.print(body.content)  # type: ignore[attr-defined]
                heights.add(len(console.export_text().splitlines()))
            assert len(heights) == 1, f"the pane's height changed as times ticked at {size}"


async def test_at_80x24_the_pane_opens_on_the_error_and_says_how_to_see_more(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await flushed(pilot)
        app.select_batch(IDS["timed_out"])
        await flushed(pilot)
        pane = app.query_one("#detail")
        assert pane.border_subtitle == "↓ more: tab, then pgdn"
        shown = pane.scrollable_content_region.height
        first = detail_text(app).splitlines()[:shown]
        assert any("What to do" in line for line in first), first
        await pilot.press("tab", "pagedown")
        assert pane.scroll_y > 0


async def test_a_stopped_batch_behind_a_500_is_not_told_to_wait(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await flushed(pilot)
        app.select_batch(IDS["timed_out"])
        await flushed(pilot)
        pane = detail_text(app)
        assert "Nothing to do" not in pane
        assert "Checks have stopped (no change in 30 min): press r to check again." in pane
        app.select_batch(IDS["retrying"])
        await flushed(pilot)
        assert SERVER_ERROR.action in detail_text(app)


def test_the_timed_out_toast_says_the_window_in_force() -> None:
    running_state = running(1, 100)
    stopped = dataclasses.replace(
        running_state, phase=Phase.TIMED_OUT, stop_reason="no change in 3 min"
    )
    (notice,) = notices_for(running_state, stopped)
    assert "3 min" in notice.message and "30 minutes" not in notice.message


async def test_the_header_words_are_the_filter_words_at_every_width(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    with_failures = dataclasses.replace(
        running(1, 100),
        phase=Phase.COMPLETED,
        status=answer(running(1, 0).batch_id, "completed", 5000, 5000, 12, completed=-10),
    )
    states = [with_failures, running(2, 500), *gallery_states()[:3]]
    for width in (80, 120):
        app, _ = stub_app(states, tmp_path / f"w{width}.toml", clock)
        async with app.run_test(size=(width, 24)) as pilot:
            await flushed(pilot)
            header = header_text(app)
            for word in ("running", "done"):
                assert word not in header
            assert "with failures" in header or width < 120
            await pilot.press("slash", *"failures", "enter")
            await flushed(pilot)
            assert app.table.row_keys == (with_failures.batch_id,)
            await pilot.press("escape")
            await flushed(pilot)
            assert app.table.row_count == len(states), "escape on the table clears the filter"


async def test_a_filter_with_no_match_says_so_in_the_pane(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, _ = stub_app(gallery_states(), tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await flushed(pilot)
        await pilot.press("slash", *"no such thing")
        await flushed(pilot)
        pane = detail_text(app)
        assert "matches no batch" in pane and "Press a" not in pane


def _progress(at: float, processed: int) -> Progress:
    return Progress(at, processed, 0)


async def test_the_detail_works_out_its_times_again_only_when_one_can_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(START, auto_advance=False)
    batch = running(1, 100)
    app, _ = stub_app([batch], tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "in 45s" in detail_text(app))
        reads: list[float] = []
        time_texts = detail_pane.time_texts

        def counted(state: BatchState, now: float, rules: Rules) -> tuple[str, ...]:
            reads.append(now)
            return time_texts(state, now, rules)

        monkeypatch.setattr(detail_pane, "time_texts", counted)
        await pilot.pause(2.2)  # two ticks, the clock still
        assert reads == []
        clock.advance(15)  # "in 45s" becomes "in 30s"
        await wait_for(pilot, lambda: "in 30s" in detail_text(app))
        assert reads
