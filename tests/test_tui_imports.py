"""The dashboard's imports through Pilot, over the stub engine at a fixed clock: one row above
its batches, folding, the import pane, `R` and `space` on an import, the header's totals of
what is shown, and notifications per import, merged, never repeated while on screen."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot

from reap_tui import vocabulary
from reap_tui.api.errors import failure_from_response
from reap_tui.clock import FakeClock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.import_book import ImportMembership
from reap_tui.engine.imports import ImportRules
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox.wire import json_bytes
from reap_tui.store import Entry, WatchList
from reap_tui.store.imports import Import
from reap_tui.store.model import Source
from reap_tui.tui.app import DashboardApp, DashboardConfig
from reap_tui.tui.header import header_text
from reap_tui.tui.notification_screen import NotificationLogScreen

from .conftest import START
from .dashboard_support import detail_text
from .import_support import (
    APRIL,
    LONE,
    MARCH,
    all_states,
    april_states,
    import_app,
    lone_states,
    march_states,
    state,
    status,
)
from .tui_support import stub_app, wait_for

WIDE = (120, 36)
NARROW = (80, 24)
CONFIG = DashboardConfig(environment="sandbox", key_state="••••1234", utc=True)


@pytest.fixture
def toasts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every toast Textual was asked to show: (title, message)."""
    shown: list[tuple[str, str]] = []
    original = App.notify

    def record(self: App[None], message: str, *, title: str = "", **kwargs: object) -> None:
        shown.append((title, message))
        original(self, message, title=title, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(App, "notify", record)
    yield shown


async def settle(pilot: Pilot[None], seconds: float = 0.4) -> None:
    await pilot.pause(seconds)


def header(app: DashboardApp) -> str:
    return str(app._banner.content)


async def test_each_import_is_one_row_above_its_batches(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        keys = app.table.row_keys
        # 16 rows on screen: March's 12 fit beside the two imports' rows and two other batches,
        # April's 3 no longer do, so it starts folded.
        assert keys[0] == "import:March" and list(keys[1:13]) == MARCH
        assert keys[13] == "import:April"
        assert set(keys[14:]) == {batch_id for batch_id, _ in LONE}
        assert app.table.cell_text("import:March", "label") == "▾ March · 12 batches"
        assert app.table.cell_text("import:March", "status") == "▶ working"
        assert app.table.cell_text("import:March", "done") == "18,370/58,456"
        assert app.table.cell_text("import:March", "failed") == "132"
        assert app.table.cell_text("import:April", "status") == "▷ stalled"
        assert app.table.cell_text(MARCH[0], "label") == "│ March 1/12"  # under its import
        assert app.table.cell_text(LONE[0][0], "label") == "Partner referrals"


async def test_an_import_larger_than_the_screen_starts_folded(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        keys = app.table.row_keys
        # 9 rows on screen: March's 12 do not fit, April's 3 do.
        assert keys[0] == "import:March" and keys[1] == "import:April"
        assert list(keys[2:5]) == APRIL
        assert app.table.cell_text("import:March", "label") == "▸ March · 12 batches"


async def test_enter_and_the_arrows_fold_and_open_an_import(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert MARCH[0] not in app.table.row_keys
        await pilot.press("right")
        assert app.table.row_keys[1] == MARCH[0]
        await pilot.press("down", "down", "left")  # on one of its batches: fold, select it
        assert MARCH[0] not in app.table.row_keys
        assert app.table.cursor_key == "import:March"
        await pilot.press("right", "right")  # already open: nothing else happens
        assert app.table.row_keys[1] == MARCH[0]


async def test_the_import_pane(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        pane = detail_text(app)
        assert "Import March ▶ working" in pane
        assert "18,370 of 58,456 records" in pane
        assert "Failed 132 records (0.7% of those processed)" in pane
        assert "Batches 12: 3 in progress, 7 pending, 1 completed, 1 with failures" in pane
        assert "ETA ~47m, 2025-10-08 12:27:50 UTC" in pane
        assert f"2 rows 5,002-10,001 {MARCH[1]} ▲ with failures, 120 failed" in pane
        assert f"12 rows 55,002-58,457 {MARCH[11]} ◌ pending, starts ~" in pane
        assert app.query_one("#detail").border_title == "Selected import"

        app.table.select("import:April")
        await settle(pilot, 0.2)
        pane = detail_text(app)
        assert "Import April ▷ stalled" in pane
        assert "stalled: no progress for 25 min (stalled after 15 min)" in pane
        assert "Its 3 unfinished batch(es) are still checked every 5 min until you" in pane
        assert "Finish not foreseeable while nothing moves" in pane
        assert f"1 April 1/3 {APRIL[0]} ▶ in progress" in pane  # batches added by id, in order

        app.table.select(MARCH[2])
        await settle(pilot, 0.2)
        assert app.query_one("#detail").border_title == "Selected batch"


async def test_r_and_space_act_on_the_selected_imports_batches(tmp_path: Path) -> None:
    app, engines = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.table.select("import:April")
        await pilot.press("R")
        await pilot.press("space")
        calls = engines[0].calls
        assert [c for c in calls if c[0] == "check_now"] == [("check_now", b) for b in APRIL]
        assert ("check_all",) not in calls
        assert [c for c in calls if c[0] == "pause"] == [("pause", b) for b in APRIL]
        app.table.select(LONE[1][0])
        await pilot.press("R")
        assert ("check_all",) in engines[0].calls


async def test_the_header_counts_what_the_filter_shows(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, 1.2)
        assert "19,749/63,775 records · 132 failed" in header(app)
        await pilot.press("slash", *"april", "enter")
        await settle(pilot, 1.2)
        assert app.table.row_keys == ("import:April",)  # folded: its batches are counted
        assert "1,240/5,000 records" in header(app)
        assert "▶ 1 in progress  ◌ 2 pending" in header(app)


def completed(before: BatchState) -> BatchState:
    assert before.status is not None
    total = before.status.total_records
    failed = 10 if before.batch_id == MARCH[6] else before.status.failed_records
    done = status(before.batch_id, "completed", total, total, failed)
    return dataclasses.replace(
        before, phase=Phase.COMPLETED, status=done, next_check_at=None, last_change_at=START + 5
    )


async def test_an_import_is_told_when_it_finishes_not_each_batch(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    clock = FakeClock(START, auto_advance=False)
    app, engines = import_app(tmp_path, clock=clock, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, 1.2)
        toasts.clear()
        clock.advance(5)
        for before in march_states()[2:]:
            engines[0].publish(completed(before))
        await settle(pilot, 1.5)
        assert [t for t in toasts if t[0] in ("Completed", "Completed with failed records")] == []
        finished = [message for title, message in toasts if title == "Import finished"]
        assert finished == [
            "import 'March' finished: 58,314 of 58,456 records, 142 failed",
        ]
        assert app.table.cell_text("import:March", "status") == "▲ with failures"


async def test_a_stall_is_told_in_the_durations_in_force(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    speed = 20.0
    rules = ImportRules.for_cadence(CadenceConfig().scaled(speed), speed)
    moving = [state(b.batch_id, b.label, "pending", 1_000, changed=-30) for b in april_states()]
    clock = FakeClock(START, auto_advance=False)
    config = dataclasses.replace(CONFIG, rules=dataclasses.replace(CONFIG.rules, imports=rules))
    app, _ = import_app(tmp_path, states=moving, clock=clock, config=config)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, 1.2)
        assert not [t for t in toasts if t[0] == "Import stalled"]
        clock.advance(20)  # 50 s since the last change: stalled after 45 s at 20x
        await settle(pilot, 1.5)
        stalled = [message for title, message in toasts if title == "Import stalled"]
        assert stalled == [
            "import 'April' stalled: no progress for 45 s; select its row for what to do"
        ]


async def test_sixty_completions_in_one_second_raise_at_most_two_toasts(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    running = [
        state(f"00000000-0000-4000-8000-{n:012d}", f"Batch {n}", "in_progress", 100, processed=50)
        for n in range(60)
    ]
    clock = FakeClock(START, auto_advance=False)
    app, engines = stub_app(running, tmp_path / "w.toml", clock, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        toasts.clear()
        for index, before in enumerate(running):
            clock.advance(1 / 60)
            assert before.status is not None
            done = status(before.batch_id, "completed", 100, 100, 3 if index % 20 == 0 else 0)
            engines[0].publish(dataclasses.replace(before, phase=Phase.COMPLETED, status=done))
            if index % 15 == 14:
                await pilot.pause(0.3)  # the flushes, four a second
        clock.advance(1.0)
        await settle(pilot, 1.0)
        assert len(toasts) <= 2, "one burst of completions is at most two toasts"
        # "15 batches completed, 1 with failed records: Batch 0, ...", then the other 45
        assert sum(int(message.split()[0]) for _, message in toasts) == 60
        assert all(title == "Completed" for title, _ in toasts)
        await pilot.press("n")
        assert isinstance(app.screen, NotificationLogScreen)
        log = [entry.notice for entry in app._notifier.entries]
        assert len([n for n in log if n.kind == "completed"]) == 60


async def test_a_refused_key_then_check_all_is_one_toast(
    tmp_path: Path, toasts: list[tuple[str, str]]
) -> None:
    refused = failure_from_response(
        401,
        "application/json",
        json_bytes({"code": "0000000200", "message": "Invalid Authorization"}),
        None,
    )
    states = lone_states()
    clock = FakeClock(START, auto_advance=False)
    app, engines = import_app(tmp_path, clock=clock, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        toasts.clear()
        for _round in range(6):
            for before in [*states, *march_states()[2:5]]:
                engines[0].publish(before)
                engines[0].publish(
                    dataclasses.replace(before, phase=Phase.AUTH_REQUIRED, failure=refused)
                )
            await pilot.press("R")
            clock.advance(0.5)
            await settle(pilot, 0.3)
        assert [title for title, _ in toasts if title == "API key refused"] == ["API key refused"]


async def test_folding_is_kept_across_a_restart(tmp_path: Path) -> None:
    """At 120x36 March starts open and April folded; folded and opened the other way round by
    hand, they come back so at the next start, with the import's row selected."""
    clock = FakeClock(START, auto_advance=False)
    app, _ = import_app(tmp_path, clock=clock, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.table.row_keys[1] == MARCH[0]
        await pilot.press("left")  # on March's row: folded
        app.table.select("import:April")
        await pilot.press("right")
        await settle(pilot, 0.2)
        assert app.table.row_keys[:5] == ("import:March", "import:April", *APRIL)
        await pilot.press("q")

    again, _ = stub_app(all_states(), tmp_path / "w.toml", clock, config=CONFIG)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert again.table.row_keys[:5] == ("import:March", "import:April", *APRIL)
        assert again.table.cursor_key == "import:April"
        assert again.query_one("#detail").border_title == "Selected import"


async def test_the_live_sort_moves_other_batches_never_an_imports(tmp_path: Path) -> None:
    """Attention keeps sorting the batches outside imports; an import's batches stay in upload
    order under its row, whatever happens to them."""
    app, engines = import_app(tmp_path, config=CONFIG)
    (referrals, _), (payroll, _) = LONE
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert app.table.row_keys[-2:] == (payroll, referrals)  # in progress, then finished
        lone = {state.batch_id: state for state in lone_states()}
        failed = status(referrals, "failed", 19, 19)
        engines[0].publish(dataclasses.replace(lone[referrals], phase=Phase.FAILED, status=failed))
        last = march_states()[-1]
        engines[0].publish(
            dataclasses.replace(
                last, phase=Phase.FAILED, status=status(last.batch_id, "failed", 10)
            )
        )
        # Rows moved by their changes are put in place at the next one-second tick.
        await wait_for(pilot, lambda: app.table.row_keys[-2:] == (referrals, payroll))
        assert list(app.table.row_keys[1:13]) == MARCH, "an import's batches in upload order"
        assert app.table.cell_text(MARCH[11], "status") == "✗ failed"


async def test_a_state_word_filters_imports_as_well_as_batches(tmp_path: Path) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"stalled", "enter")
        await settle(pilot, 1.2)
        assert app.table.row_keys == ("import:April",)  # folded: its batches counted
        assert "filter “stalled”: 3 shown" in str(app.table.border_title)
        assert "▶ 1 in progress  ◌ 2 pending" in header(app)
        await pilot.press("escape", "slash", *"working", "enter")
        await settle(pilot, 1.2)
        assert app.table.row_keys == ("import:March", *MARCH)


async def test_the_header_counts_what_is_shown_by_the_rules_in_force(tmp_path: Path) -> None:
    """A batch whose count has stood still for four checks is in progress by the default rules,
    stalled by a setting of three checks, in the header as in the table."""
    (_, _), (payroll, label) = LONE
    still = state(payroll, label, "in_progress", 300, processed=120, changed=-300)
    rules = dataclasses.replace(CONFIG.rules, stall_checks=3)
    for config, word in (
        (CONFIG, "▶ 1 in progress"),
        (dataclasses.replace(CONFIG, rules=rules), "▷ 1 stalled"),
    ):
        app, _ = stub_app(
            [still], tmp_path / f"{word}.toml", FakeClock(START, auto_advance=False), config=config
        )
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"payroll", "enter")
            await settle(pilot, 1.2)
            assert word in header(app)
            assert app.table.cell_text(payroll, "status") == word.replace(" 1", "")


async def test_every_watched_batch_of_an_import_is_watched_with_its_place(tmp_path: Path) -> None:
    """At start-up, and for the batches of another environment shown with `e`."""
    elsewhere = "http://127.0.0.1:10"
    may = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"may-{n}")) for n in range(3)]
    app, engines = import_app(tmp_path, config=CONFIG)
    watchlist: WatchList = app._watchlist
    watchlist.add_many(
        [Entry(b, START, Source.MANUAL, "staging", elsewhere, label=f"May {b[:4]}") for b in may]
    )
    watchlist.change_imports(
        lambda imports: [*imports, Import("May", "staging", elsewhere, START, tuple(may))]
    )
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        places = {t.batch_id: t.in_import for t in engines[0].targets}
        assert places[MARCH[4]] == ImportMembership("March", 4)
        assert places[APRIL[2]] == ImportMembership("April", 2)
        assert places[LONE[0][0]] is None
        await pilot.press("e")
        await settle(pilot)
        places = {t.batch_id: t.in_import for t in engines[0].targets}
        assert [places[b] for b in may] == [ImportMembership("May", n) for n in range(3)]
        assert app.table.row_keys[0] == "import:May"


async def test_a_keys_answer_is_seen_beside_the_news_never_below_it(tmp_path: Path) -> None:
    """Two toasts of news on screen, then `R`: its answer takes the oldest one's place, so the
    rack never holds more than it shows."""
    clock = FakeClock(START, auto_advance=False)
    app, engines = import_app(tmp_path, clock=clock, config=CONFIG)
    (referrals, _), (payroll, _) = LONE
    lone = {state.batch_id: state for state in lone_states()}
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        app.clear_notifications()
        running = lone[payroll]
        engines[0].publish(
            dataclasses.replace(running, phase=Phase.FAILED, status=status(payroll, "failed", 300))
        )
        engines[0].publish(dataclasses.replace(lone[referrals], phase=Phase.NOT_FOUND))
        clock.advance(1.0)
        await settle(pilot)
        assert [n.title for n in app._notifications] == ["Batch failed", "Batch not found"]
        app.table.select(payroll)
        await pilot.press("R")
        titles = [(n.title, n.message) for n in app._notifications]
        assert len(titles) == 2
        assert titles[-1] == ("", "Checking all 17 batches now.")


async def test_only_a_persons_folding_is_kept_the_fit_is_decided_again(tmp_path: Path) -> None:
    """Folded at 80x24 because it did not fit, March opens at the next start at 120x36."""
    clock = FakeClock(START, auto_advance=False)
    app, _ = import_app(tmp_path, clock=clock, config=CONFIG)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert app.table.row_keys[:2] == ("import:March", "import:April")
        await pilot.press("q")

    again, _ = stub_app(all_states(), tmp_path / "w.toml", clock, config=CONFIG)
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert list(again.table.row_keys[:13]) == ["import:March", *MARCH]


def test_the_totals_take_the_room_left_and_never_other_words() -> None:
    """After the counts when they fit, else on the first line, else after the counts drawn
    tighter; no line wider than the screen, and the states always in the vocabulary's words."""
    groups = [(vocabulary.WITH_FAILURES, 1), (vocabulary.IN_PROGRESS, 5), (vocabulary.PENDING, 9)]
    totals = Text("19,749/63,775 records · 132 failed")
    for width, line in ((120, 1), (78, 0), (60, 1)):
        text = header_text(
            environment="sandbox",
            key_state="••••1234",
            groups=groups,
            health=None,
            now=START,
            width=width,
            totals=totals,
        )
        lines = text.plain.split("\n")
        assert all(len(each) <= width for each in lines), width
        assert lines[line].endswith(" · 19,749/63,775 records · 132 failed"), width
        assert "with failures" in lines[1], "the most urgent state keeps its name"
        assert all(condition.icon in lines[1] for condition, _ in groups)
        assert "running" not in text.plain and "done" not in text.plain
