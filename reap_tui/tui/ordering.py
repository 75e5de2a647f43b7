"""Which batches the table shows and in what order: the filter and the sort orders.

Every sort key is a function of the batch's state and the rules in force only, never of the
time, so a row can move only when its state changes (see `live_order`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from reap_tui import measures
from reap_tui.engine.state import BatchState
from reap_tui.vocabulary import RANK, Block, Rules, Tone, condition_of, parse_query, shown_words

SortKey = Callable[[BatchState, Rules], tuple[object, ...]]


FINISH_STEP = 60.0  # seconds: finish times closer than this sort by label


def _label(state: BatchState) -> tuple[object, ...]:
    return (state.label.casefold() or "\uffff", state.batch_id)


def _attention(state: BatchState, rules: Rules) -> tuple[object, ...]:
    """What needs a person (most urgent state first), then what is in progress (those failing
    records above the red threshold first, then soonest to finish first, to the minute: a new
    estimate seconds off does not shuffle the rows), then what waits, what is paused, and what
    has finished."""
    condition = condition_of(state, rules)
    block = condition.block
    rank = RANK[condition.key] if block is Block.PERSON else 0
    finish = 0.0
    if block is Block.WORKING:
        rank = 0 if measures.failure_tone(state.failure_rate, rules) is Tone.BAD else 1
        at = measures.finish_at(state, rules)
        finish = math.inf if at is None else float(at // FINISH_STEP)
    return (int(block), rank, finish, *_label(state))


def _number(value: float | None, state: BatchState) -> tuple[object, ...]:
    """Larger first; missing values last either way."""
    return (value is None, -(value or 0.0), *_label(state))


def _time(moment: datetime | None, state: BatchState) -> tuple[object, ...]:
    """Most recent first; missing last."""
    return _number(moment.timestamp() if moment else None, state)


def _status_field(name: str) -> SortKey:
    def key(state: BatchState, rules: Rules) -> tuple[object, ...]:
        value = getattr(state.status, name) if state.status else None
        if isinstance(value, datetime) or value is None:
            return _time(value, state)
        return _number(float(value), state)

    return key


def _finish(state: BatchState, rules: Rules) -> tuple[object, ...]:
    """Soonest predicted finish first."""
    finish = measures.finish_at(state, rules)
    return (finish is None, finish or 0.0, *_label(state))


def _next_check(state: BatchState, rules: Rules) -> tuple[object, ...]:
    at = state.next_check_at if not state.phase.is_final else None
    return (at is None, at or 0.0, *_label(state))


@dataclass(frozen=True)
class SortOrder:
    name: str
    key: SortKey


ATTENTION = SortOrder("attention", _attention)
SORT_CYCLE: tuple[SortOrder, ...] = (
    ATTENTION,
    SortOrder("label", lambda s, r: _label(s)),
    SortOrder("progress", lambda s, r: _number(s.percent_done, s)),
    SortOrder("failed", _status_field("failed_records")),
    SortOrder("updated", _status_field("updated_at")),
    SortOrder("created", _status_field("created_at")),
)

# A click on a column header sorts by what that column shows.
COLUMN_ORDERS: dict[str, SortOrder] = {
    "label": SORT_CYCLE[1],
    "status": ATTENTION,
    "progress": SORT_CYCLE[2],
    "done": SortOrder("processed", _status_field("processed_records")),
    "ok": SortOrder("successful", _status_field("successful_records")),
    "failed": SORT_CYCLE[3],
    "fail_rate": SortOrder("failure %", lambda s, r: _number(s.failure_rate, s)),
    "rate": SortOrder("rate", lambda s, r: _number(measures.rate(s), s)),
    "eta": SortOrder("ETA", _finish),
    "next": SortOrder("next check", _next_check),
    "id": SortOrder("id", lambda s, r: (s.batch_id,)),
    "created": SORT_CYCLE[5],
    "started": SortOrder("started", _status_field("started_at")),
    "updated": SORT_CYCLE[4],
    "completed": SortOrder("completed", _status_field("completed_at")),
}
SORT_ORDERS: dict[str, SortOrder] = {
    order.name: order for order in (*SORT_CYCLE, *COLUMN_ORDERS.values())
}


def next_sort(current: SortOrder) -> SortOrder:
    names = [order.name for order in SORT_CYCLE]
    index = names.index(current.name) + 1 if current.name in names else 0
    return SORT_CYCLE[index % len(SORT_CYCLE)]


@dataclass(frozen=True)
class Query:
    """A filter as typed: the states it names (any of them), and words that must each be in
    the batch's label, id or state."""

    states: frozenset[str]
    words: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        return cls(*parse_query(text))

    @property
    def empty(self) -> bool:
        return not self.states and not self.words


def matches(state: BatchState, query: str | Query, rules: Rules = Rules()) -> bool:  # noqa: B008
    """Whether the batch passes the filter. A state's name (as the header says it: `failed`,
    `with failures`, `stalled`...) keeps exactly the batches the header counts under it;
    other words are looked for, case-insensitively, in the label, the id and the state."""
    parsed = query if isinstance(query, Query) else Query.parse(query)
    if parsed.empty:
        return True
    condition = condition_of(state, rules)
    if parsed.states and condition.key not in parsed.states:
        return False
    if not parsed.words:
        return True
    haystack = " ".join(
        (state.label, state.batch_id, condition.name, shown_words(state, condition))
    ).casefold()
    return all(word in haystack for word in parsed.words)


def ordered_ids(
    states: Iterable[BatchState],
    order: SortOrder,
    *,
    reverse: bool = False,
    rules: Rules = Rules(),  # noqa: B008
) -> list[str]:
    return [
        state.batch_id
        for state in sorted(states, key=lambda s: order.key(s, rules), reverse=reverse)
    ]
