"""The dashboard's batches as the table's rows: which are shown, in what order, what each says.

The table asks for a row's cells only when it draws the row; the time columns it drew are kept,
so the one-second tick redraws an on-screen row only when one of its time texts changed. The
order stays true as states change (`live_order`): a row moves when its sort key moves it past a
neighbour, and leaves, or joins, when it stops or starts matching the filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text

from reap_tui.clock import Clock
from reap_tui.engine.state import BatchState
from reap_tui.tui import cells
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.columns import Column, Placed
from reap_tui.tui.live_order import LiveOrder
from reap_tui.tui.ordering import ATTENTION, Query, SortOrder, matches
from reap_tui.vocabulary import Rules


class BatchRows:
    def __init__(
        self,
        states: Mapping[str, BatchState],
        clock: Clock,
        columns: Sequence[Column] = cells.COLUMNS,
        *,
        rules: Rules = Rules(),  # noqa: B008
        id: str | None = None,
    ) -> None:
        """`states` is the dashboard's own mapping, read when rows are drawn."""
        self._states = states
        self._clock = clock
        self.rules = rules
        self.table = BatchTable(columns, self.render, id=id)
        self.query = ""  # the filter: only batches matching it are shown
        self.collapsed: set[str] = set()
        """Keys of group rows shown collapsed (saved with the view)."""
        self._live = LiveOrder(ATTENTION, rules=rules)
        # Each row as last drawn: the state it showed and its time-dependent cells.
        self._drawn: dict[str, tuple[BatchState, tuple[Text, ...]]] = {}

    @property
    def order(self) -> SortOrder:
        return self._live.order

    @property
    def reverse(self) -> bool:
        return self._live.reverse

    def render(self, batch_id: str, columns: Sequence[Placed]) -> list[Text]:
        """The table's row renderer."""
        state = self._states.get(batch_id)
        if state is None:  # removed since the rows were set; gone at the next flush
            return [Text("") for _ in columns]
        keys = [placed.key for placed in columns]
        row = cells.row_cells(state, keys, self._clock.now(), self.rules)
        self._drawn[batch_id] = (
            state,
            tuple(text for key, text in zip(keys, row, strict=True) if key in cells.TIMED_COLUMNS),
        )
        return row

    def show(self, order: SortOrder, *, reverse: bool) -> None:
        """The batches matching `query`, in `order`; the cursor stays on its batch."""
        self._live = LiveOrder(order, reverse=reverse, rules=self.rules)
        query = Query.parse(self.query)
        wanted = (state for state in self._states.values() if matches(state, query, self.rules))
        self._set_rows(self._live.arrange(wanted))

    def apply_changes(self, changed: Iterable[str]) -> None:
        """Redraw the changed batches' rows (if on screen); a batch gone, or no longer
        matching the filter, leaves; one that now matches joins; rows whose sort key moved
        them past a neighbour are put back in order."""
        table = self.table
        query = Query.parse(self.query)
        kept: list[BatchState] = []
        joined = False
        dropped: set[str] = set()
        for batch_id in changed:
            state = self._states.get(batch_id)
            shown = table.row_index(batch_id) is not None
            if state is None or not matches(state, query, self.rules):
                if shown:
                    dropped.add(batch_id)
                self._live.forget(batch_id)
                continue
            kept.append(state)
            if not shown:
                joined = True
                continue
            drawn = self._drawn.get(batch_id)
            if drawn is None or drawn[0] is not state:
                table.refresh_row(batch_id)
        moved = self._live.update(kept, table.row_keys, table.row_index)
        if moved or joined or dropped:
            shown_now = [key for key in table.row_keys if key not in dropped]
            joining = [state.batch_id for state in kept if table.row_index(state.batch_id) is None]
            self._set_rows(self._live.sorted([*shown_now, *joining]))

    def tick(self) -> None:
        """The once-a-second pass: the rows on screen whose time texts now read differently."""
        now = self._clock.now()
        timed = [placed.key for placed in self.table.shown_columns]
        timed = [key for key in timed if key in cells.TIMED_COLUMNS]
        if not timed:
            return
        for batch_id in self.table.visible_keys:
            state = self._states.get(batch_id)
            if state is None:
                continue
            texts = tuple(cells.cell_text(key, state, now, self.rules) for key in timed)
            drawn = self._drawn.get(batch_id)
            if drawn is None or texts != drawn[1]:
                self.table.refresh_row(batch_id)

    def _set_rows(self, keys: Iterable[str]) -> None:
        self.table.set_rows(keys)
        for gone in self._drawn.keys() - set(self.table.row_keys):
            del self._drawn[gone]
