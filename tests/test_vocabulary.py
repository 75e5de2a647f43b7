"""The one vocabulary of states, the measures of a batch, `summary.errors` lines, and the pieces
of the table's view (live order, column choice, environments): pure, without a screen."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from reap_tui import measures, vocabulary
from reap_tui.engine.imports import ImportRules
from reap_tui.engine.state import BatchState, Phase, Progress
from reap_tui.error_items import error_line
from reap_tui.store.model import Entry, Source
from reap_tui.tui.column_choice import MOVABLE, ColumnChoice
from reap_tui.tui.environments import Place, elsewhere_text, next_place, places
from reap_tui.tui.live_order import LiveOrder
from reap_tui.tui.ordering import ATTENTION, SORT_CYCLE, matches, ordered_ids
from reap_tui.vocabulary import Rules, condition_of, parse_query, what_to_do

from .conftest import START
from .state_gallery import IDS, SERVER_ERROR, answer, gallery_states, moving, standing


def by_name() -> dict[str, BatchState]:
    return {name: state for name, state in zip(IDS, gallery_states(), strict=True)}


def test_every_state_of_the_gallery_has_its_own_name() -> None:
    expected = {
        "queued": "in progress",
        "checking": "in progress",
        "unknown": "unknown status",
    }
    for name, state in by_name().items():
        assert condition_of(state).name == expected.get(name, name.replace("_", " ")), name


def test_impossible_counts_are_anomalous_never_completed() -> None:
    state = by_name()["anomalous"]
    assert state.status is not None and state.status.processed_records > state.status.total_records
    condition = condition_of(state)
    assert condition is vocabulary.ANOMALOUS and condition.needs_person
    assert condition.tone is not vocabulary.Tone.GOOD


def test_stalled_after_n_checks_or_ten_minutes_without_progress() -> None:
    running = by_name()["in_progress"]
    rules = Rules(stall_checks=5, stall_seconds=600)
    assert condition_of(running, rules) is vocabulary.IN_PROGRESS
    five_quiet_checks = dataclasses.replace(running, history=standing(2210, checks=6, step=30))
    assert condition_of(five_quiet_checks, rules) is vocabulary.STALLED
    four = dataclasses.replace(running, history=standing(2210, checks=5, step=30))
    assert condition_of(four, rules) is vocabulary.IN_PROGRESS
    two_sparse_checks = dataclasses.replace(running, history=standing(2210, checks=3, step=300))
    assert condition_of(two_sparse_checks, rules) is vocabulary.STALLED
    moving_again = dataclasses.replace(
        five_quiet_checks, history=(*five_quiet_checks.history, Progress(START, 2300, 0))
    )
    assert condition_of(moving_again, rules) is vocabulary.IN_PROGRESS


def test_a_header_word_filters_exactly_the_batches_counted_under_it() -> None:
    states = gallery_states()
    for condition in vocabulary.CONDITIONS:
        counted = [s for s in states if condition_of(s) is condition]
        for word in condition.filter_words:
            found = [s for s in states if matches(s, word)]
            assert found == counted, word
            assert [s for s in states if matches(s, word.upper())] == counted


def test_a_filter_of_states_and_words() -> None:
    assert parse_query("failures") == (frozenset({"with_failures", "import_with_failures"}), ())
    assert parse_query("not found batch") == (frozenset({"not_found"}), ("batch",))
    states = gallery_states()
    shown = [s.label for s in states if matches(s, "failed not found")]
    assert shown == ["Not found batch", "Failed batch"]
    assert [s.label for s in states if matches(s, "stalled batch")] == ["Stalled batch"]
    assert [s.label for s in states if matches(s, "on_hold")] == ["Unknown batch"]


def test_an_import_state_is_named_and_filtered_in_the_batch_words() -> None:
    """The words an import's state shares with a batch's find both; the others, imports only."""
    assert parse_query("stalled") == (frozenset({"stalled", "import_stalled"}), ())
    assert parse_query("failed") == (frozenset({"failed", "import_failed"}), ())
    assert parse_query("working march") == (frozenset({"import_working"}), ("march",))
    assert parse_query("finished with failures") == (frozenset({"import_with_failures"}), ())
    assert parse_query("finished") == (frozenset({"import_finished"}), ())
    for state, condition in vocabulary.IMPORT_CONDITIONS.items():
        assert vocabulary.import_condition(state) is condition
    batch = {c.name: c for c in vocabulary.CONDITIONS}
    for condition in vocabulary.IMPORT_CONDITIONS.values():
        same = batch.get(condition.name)
        if same is not None:  # one name, one look
            assert (same.icon, same.tone) == (condition.icon, condition.tone), condition.name
    # The words of a batch state never find a batch through an import state's key.
    states = gallery_states()
    assert [s for s in states if matches(s, "working")] == []
    stall = vocabulary.meaning(
        vocabulary.IMPORT_STALLED, Rules(imports=ImportRules(stall_after=45))
    )
    assert "45 s" in stall


def test_advice_for_a_retried_failure_once_checks_have_stopped() -> None:
    timed_out = by_name()["timed_out"]
    assert timed_out.failure is SERVER_ERROR
    assert "Nothing to do" in SERVER_ERROR.action
    advice = what_to_do(timed_out, SERVER_ERROR)
    assert "Nothing to do" not in advice and "press r" in advice and "30 min" in advice
    retrying = by_name()["retrying"]
    assert what_to_do(retrying, SERVER_ERROR) == SERVER_ERROR.action


def test_the_window_in_force_is_the_one_said() -> None:
    assert vocabulary.window_text(1800) == "30 min"
    assert vocabulary.window_text(180) == "3 min"
    assert "3 min" in vocabulary.meaning(vocabulary.TIMED_OUT, Rules(window=180))


def test_throughput_is_the_batch_own_rate_right_at_completion() -> None:
    # 4,200 records from startedAt to completedAt ten minutes later: 420/min, whenever checked.
    done = BatchState(
        IDS["completed"],
        phase=Phase.COMPLETED,
        status=answer(IDS["completed"], "completed", 4200, 4200, started=-900, completed=-300),
        history=(Progress(START - 400, 3500, 0), Progress(START - 100, 4200, 0)),
        last_checked_at=START - 100,
    )
    assert measures.rate_per_minute(done) == 420.0
    assert measures.eta(done, START) is None


def test_one_answer_is_enough_for_a_rate_and_a_second_at_once_changes_nothing() -> None:
    one = by_name()["in_progress"]
    single = dataclasses.replace(one, history=one.history[-1:])
    rate = measures.rate_per_minute(single)
    assert rate is not None and rate > 0
    twice = dataclasses.replace(single, history=(*single.history, single.history[-1]))
    assert measures.rate_per_minute(twice) == rate


def test_no_eta_on_a_row_whose_checks_stopped_or_that_is_stalled() -> None:
    running = by_name()["in_progress"]
    assert measures.eta(running, START) is not None
    for phase in (Phase.PAUSED, Phase.TIMED_OUT, Phase.STOPPED, Phase.AUTH_REQUIRED):
        assert measures.eta(dataclasses.replace(running, phase=phase), START) is None, phase
    assert measures.eta(by_name()["stalled"], START) is None


def test_failure_rate_colours_from_the_thresholds() -> None:
    rules = Rules()
    assert measures.failure_tone(0.0, rules) is None
    assert measures.failure_tone(0.009, rules) is None
    assert measures.failure_tone(0.019, rules) is vocabulary.Tone.WARN
    assert measures.failure_tone(0.062, rules) is vocabulary.Tone.BAD
    strict = Rules(failure_red=0.001, failure_amber=0.0)
    assert measures.failure_tone(0.009, strict) is vocabulary.Tone.BAD


def test_summary_errors_read_as_lines_with_one_way_of_showing_escapes() -> None:
    item = {"row": 3, "externalId": "0f1e2d3c-4b5a-4968-8776-655443322110", "message": "expired"}
    assert error_line(item) == "row 3 · 0f1e2d3c… · expired"
    assert error_line({"lineNumber": 9, "reason": "bad date", "code": "E1"}) == (
        "line 9 · bad date (E1)"
    )
    assert error_line({"line": 2, "hint": [1, 2]}) == 'line 2 · {"hint":[1,2]}'
    assert error_line({"weird": "x\x1by"}) == '{"weird":"x␛y"}'
    assert error_line("x\x1by") == "x␛y"
    assert "\\u001b" not in error_line({"message": "\x1b[31m"})


@given(st.lists(st.sampled_from(gallery_states()), min_size=1, max_size=12, unique_by=id))
def test_live_order_equals_a_fresh_sort_after_any_changes(changed: list[BatchState]) -> None:
    states = {state.batch_id: state for state in gallery_states()}
    order = LiveOrder(ATTENTION)
    rows = order.arrange(states.values())
    for state in changed:
        states[state.batch_id] = dataclasses.replace(
            state, phase=Phase.NOT_FOUND, status=None, failure=SERVER_ERROR
        )
    updated = [states[state.batch_id] for state in changed]
    if order.update(updated, rows, {key: at for at, key in enumerate(rows)}.get):
        rows = order.sorted(rows)
    assert rows == ordered_ids(states.values(), ATTENTION)


def test_live_order_reports_no_move_when_keys_keep_their_places() -> None:
    states = gallery_states()
    for sort in SORT_CYCLE:
        order = LiveOrder(sort)
        rows = order.arrange(states)
        same = [dataclasses.replace(state) for state in states]
        assert not order.update(same, rows, {k: i for i, k in enumerate(rows)}.get), sort.name


def test_attention_puts_what_needs_a_person_first_then_working_by_eta() -> None:
    rows = ordered_ids(gallery_states(), ATTENTION)
    names = {state.batch_id: name for name, state in by_name().items()}
    ordered = [names[row] for row in rows]
    person = [c.key for c in vocabulary.CONDITIONS if c.needs_person]
    assert ordered[: len(person)] == person
    working = ordered[len(person) : len(person) + 4]
    assert working[-1] == "retrying"  # no ETA: after those with one
    etas = [measures.finish_at(by_name()[name]) for name in working[:-1]]
    assert etas == sorted(etas)  # type: ignore[type-var]
    assert ordered[-1] == "completed"
    failing = dataclasses.replace(
        by_name()["in_progress"],
        batch_id="ffffffff-0000-4000-8000-000000000000",
        status=answer("ffffffff-0000-4000-8000-000000000000", "in_progress", 5000, 100, 20),
    )
    rows = ordered_ids([*gallery_states(), failing], ATTENTION)
    assert rows[len(person)] == failing.batch_id, "failing records fast: first of those working"


def test_a_column_choice_keeps_the_label_first_and_unknown_names_out() -> None:
    choice = ColumnChoice.from_settings(["eta", "nonsense", "status"], ["id", "label"])
    assert choice.columns()[0].key == "label"
    assert choice.shown[:2] == ("eta", "status")
    assert "id" not in choice.shown and "nonsense" not in choice.order
    assert set(choice.order) == set(MOVABLE)
    moved = choice.moved("status", -1).toggled("id")
    assert moved.shown[:2] == ("status", "eta") and "id" in moved.shown
    assert choice.toggled("label") == choice


def test_other_environments_are_counted_and_cycled() -> None:
    def entry(number: int, environment: str, url: str) -> Entry:
        return Entry(f"{number:08x}-0000-4000-8000-000000000000", START, Source.MANUAL,
                     environment, url)  # fmt: skip

    sandbox = "https://sandbox-compliance.api.reap.global"
    production = "https://compliance.api.reap.global"
    staging = "https://staging-compliance.api.reap.global"
    entries = [entry(1, "production", production), entry(2, "sandbox", sandbox)]
    entries += [entry(n, "production", production) for n in range(3, 13)]
    entries.append(entry(20, "staging", staging))
    here = Place("sandbox", sandbox, 0)
    found = places(entries, here)
    text = elsewhere_text(found, sandbox)
    assert text is not None
    assert text.plain == (
        "11 batches in production, 1 batch in staging, not shown: press e to switch"
    )
    step = next_place(found, sandbox)
    assert step is not None and step.environment == "staging"
    assert next_place(found, staging) == Place("production", production, 11)
    alone = places(entries[:1], Place("production", production, 0))
    assert elsewhere_text(alone, production) is None and next_place(alone, production) is None
    assert moving(10)[-1].processed == 10
