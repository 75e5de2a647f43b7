"""Which batches the table shows and in what order: the filter and the sort orders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState

SortKey = Callable[[BatchState], tuple[object, ...]]

# Problems first: what needs a person, then what is moving, then what is quietly done.
ATTENTION = {
    fmt.Tone.BAD: 0,
    fmt.Tone.WARN: 1,
    fmt.Tone.ACTIVE: 2,
    fmt.Tone.WAITING: 3,
    fmt.Tone.IDLE: 4,
    fmt.Tone.GOOD: 5,
}


def _label(state: BatchState) -> tuple[object, ...]:
    return (state.label.casefold() or "\uffff", state.batch_id)


def _attention(state: BatchState) -> tuple[object, ...]:
    return (ATTENTION[fmt.status_label(state)[2]], *_label(state))


def _number(value: float | None, state: BatchState) -> tuple[object, ...]:
    """Larger first; missing values last either way."""
    return (value is None, -(value or 0.0), *_label(state))


def _time(moment: datetime | None, state: BatchState) -> tuple[object, ...]:
    """Most recent first; missing last."""
    return _number(moment.timestamp() if moment else None, state)


def _status_field(name: str) -> SortKey:
    def key(state: BatchState) -> tuple[object, ...]:
        value = getattr(state.status, name) if state.status else None
        if isinstance(value, datetime) or value is None:
            return _time(value, state)
        return _number(float(value), state)

    return key


def _finish(state: BatchState) -> tuple[object, ...]:
    """Soonest predicted finish first: eta(0) is that moment as a timestamp."""
    finish = state.eta(0.0)
    return (finish is None, finish or 0.0, *_label(state))


def _next_check(state: BatchState) -> tuple[object, ...]:
    at = state.next_check_at if not state.phase.is_final else None
    return (at is None, at or 0.0, *_label(state))


@dataclass(frozen=True)
class SortOrder:
    name: str
    key: SortKey


SORT_CYCLE: tuple[SortOrder, ...] = (
    SortOrder("attention", _attention),
    SortOrder("label", _label),
    SortOrder("progress", lambda s: _number(s.percent_done, s)),
    SortOrder("failed", _status_field("failed_records")),
    SortOrder("updated", _status_field("updated_at")),
    SortOrder("created", _status_field("created_at")),
)

# A click on a column header sorts by what that column shows.
COLUMN_ORDERS: dict[str, SortOrder] = {
    "label": SORT_CYCLE[1],
    "status": SORT_CYCLE[0],
    "progress": SORT_CYCLE[2],
    "done": SortOrder("processed", _status_field("processed_records")),
    "ok": SortOrder("successful", _status_field("successful_records")),
    "failed": SORT_CYCLE[3],
    "fail_rate": SortOrder("failure %", lambda s: _number(s.failure_rate, s)),
    "rate": SortOrder("rate", lambda s: _number(s.throughput, s)),
    "eta": SortOrder("ETA", _finish),
    "next": SortOrder("next check", _next_check),
    "id": SortOrder("id", lambda s: (s.batch_id,)),
    "created": SORT_CYCLE[5],
    "started": SortOrder("started", _status_field("started_at")),
    "updated": SORT_CYCLE[4],
    "completed": SortOrder("completed", _status_field("completed_at")),
}


def next_sort(current: SortOrder) -> SortOrder:
    names = [order.name for order in SORT_CYCLE]
    index = names.index(current.name) + 1 if current.name in names else 0
    return SORT_CYCLE[index % len(SORT_CYCLE)]


def matches(state: BatchState, query: str) -> bool:
    """Case-insensitive: every word of the query is in the label, the id or the status."""
    words = query.casefold().split()
    if not words:
        return True
    _, status_words, _ = fmt.status_label(state)
    haystack = " ".join((state.label, state.batch_id, status_words, state.phase.value)).casefold()
    return all(word in haystack for word in words)


def ordered_ids(
    states: Iterable[BatchState], order: SortOrder, *, reverse: bool = False
) -> list[str]:
    return [state.batch_id for state in sorted(states, key=order.key, reverse=reverse)]
