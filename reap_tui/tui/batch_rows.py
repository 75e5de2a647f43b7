"""The dashboard's batches as the table's rows: which are shown, in what order, what each says.

The table asks for a row's cells only when it draws the row; the time columns it drew are kept,
so the one-second tick redraws an on-screen row only when one of its time texts changed, on
the beat (`beat.on_the_beat`): the rows whose times moved are drawn in one frame.
Imports are rows too, each above its batches in upload order (`import_rows.ImportRows` says
which and what); the batches outside imports follow in the order chosen, kept true as states
change (`live_order`): a row moves when its sort key moves it past a neighbour, and leaves, or
joins, when it stops or starts matching the filter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType

from reap_tui.clock import Clock
from reap_tui.engine.state import BatchState
from reap_tui.tui import cells
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.beat import on_the_beat
from reap_tui.tui.columns import Column, Placed
from reap_tui.tui.import_rows import (
    MEMBER_INDENT,
    ImportRows,
    import_key,
    name_of_key,
    rows_on_screen_estimate,
)
from reap_tui.tui.live_order import LiveOrder
from reap_tui.tui.ordering import ATTENTION, Query, SortOrder, matches
from reap_tui.vocabulary import IMPORT_CONDITIONS, Block, Rules, condition_of

_IMPORT_STATE_KEYS = frozenset(condition.key for condition in IMPORT_CONDITIONS.values())
# While rows keep moving (the first round of checks of a long list moves one a check), they are
# put in place at most every this many ticks: each reshuffle redraws every line below the first
# row moved. A batch that now needs a person is put in place at the next tick all the same.
REORDER_TICKS = 5


class GroupedTable(BatchTable):
    """The batch table, with → and ← to open and fold an import's row (the table never
    scrolls sideways, so the arrows are free)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "fold(False)", "Open import", show=False),
        Binding("left", "fold(True)", "Fold import", show=False),
    ]

    class Fold(BatchTable._TableMessage):
        """→ (`folded` False) or ← (True) on the row `key`."""

        def __init__(self, table: BatchTable, key: str, folded: bool) -> None:
            super().__init__(table)
            self.key = key
            self.folded = folded

    def action_fold(self, folded: bool) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Fold(self, self.cursor_key, folded))


class DrawnRow(NamedTuple):
    """A row as last drawn: the state it showed, its cells (by column, as `cells` makes them),
    its time texts, and when they may change."""

    state: BatchState
    cells: dict[str, Text]
    texts: tuple[str, ...]
    changes_at: float


class BatchRows:
    def __init__(
        self,
        states: Mapping[str, BatchState],
        clock: Clock,
        columns: Sequence[Column] = cells.COLUMNS,
        *,
        rules: Rules = Rules(),  # noqa: B008
        imports: ImportRows | None = None,
        wide_from: int = 180,
        id: str | None = None,
    ) -> None:
        """`states` is the dashboard's own mapping, read when rows are drawn; `wide_from`: the
        width from which the table has the body's whole height (the pane beside it)."""
        self._states = states
        self._clock = clock
        self.rules = rules
        self.imports = imports or ImportRows(states, clock, rules)
        self.table = GroupedTable(columns, self.render, id=id)
        self.query = ""  # the filter: only batches matching it are shown
        self._wide_from = wide_from
        # The batches outside imports in the order shown, their order kept by `_live`; the
        # batches of imports that match the filter (shown in upload order under their import).
        self._live = LiveOrder(ATTENTION, rules=rules)
        self._lone: list[str] = []
        self._members: set[str] = set()
        # Rows whose changes moved them in the order are put in place at a tick (see
        # REORDER_TICKS), not at every flush.
        self._reorder_due = False
        self._reorder_urgent = False
        self._ticks_since_reorder = REORDER_TICKS
        self.shown_batches: list[str] = []
        """The batches shown, in order (an import's batches folded under its row included):
        what the header's totals count."""
        # Each row as last drawn: the state it showed and its time-dependent cells.
        self._drawn: dict[str, DrawnRow] = {}

    @property
    def order(self) -> SortOrder:
        return self._live.order

    @property
    def reverse(self) -> bool:
        return self._live.reverse

    def render(self, batch_id: str, columns: Sequence[Placed]) -> list[Text]:
        """The table's row renderer."""
        name = name_of_key(batch_id)
        if name is not None:
            return self.imports.render(name, columns)
        state = self._states.get(batch_id)
        if state is None:  # removed since the rows were set; gone at the next flush
            return [Text("") for _ in columns]
        keys = [placed.key for placed in columns]
        now = self._clock.now()
        drawn = self._drawn.get(batch_id)
        if drawn is not None and drawn.state is state:  # only time has passed: its cells
            row = [
                cells.cell_text(key, state, now, self.rules)
                if key in cells.TIMED_COLUMNS or key not in drawn.cells
                else drawn.cells[key]
                for key in keys
            ]
        else:
            row = cells.row_cells(state, keys, now, self.rules)
        timed = [key for key in keys if key in cells.TIMED_COLUMNS]
        texts = tuple(text.plain for key, text in zip(keys, row, strict=True) if key in timed)
        self._drawn[batch_id] = DrawnRow(
            state, dict(zip(keys, row, strict=True)), texts, self._changes_at(timed, state, now)
        )
        if "label" in keys and self.imports.member_of(batch_id) is not None:
            index = keys.index("label")
            label = Text(end="", no_wrap=True)
            label.append(MEMBER_INDENT, style="dim")
            row[index] = label.append_text(row[index])
        return row

    def show(self, order: SortOrder, *, reverse: bool) -> None:
        """The batches matching `query`: under their imports' rows, and the others in `order`;
        the cursor stays on its row."""
        self._live = LiveOrder(order, reverse=reverse, rules=self.rules)
        query = Query.parse(self.query)
        wanted = [state for state in self._states.values() if matches(state, query, self.rules)]
        member_of = self.imports.member_of
        self._members = {state.batch_id for state in wanted if member_of(state.batch_id)}
        self._lone = self._live.arrange(
            state for state in wanted if state.batch_id not in self._members
        )
        self._reorder_due = self._reorder_urgent = False
        self.rearrange()

    def fold(self, name: str, folded: bool) -> bool:
        """Fold or open the import `name`'s row; False if it already was."""
        if not self.imports.set_collapsed(name, folded):
            return False
        self.table.refresh_row(import_key(name))  # its arrow
        self.rearrange()
        return True

    def rearrange(self, *, live: bool = False) -> None:
        """The rows again, each part's order kept (an import folded or opened, or its state
        matching the filter or no longer). `live`: rows moved by their batches' changes, not
        by the user: the view stays where it is, and follows the cursor only off screen."""
        query = Query.parse(self.query)
        keys = self.imports.arrange(self._members, self._lone, query, self._page())
        self.shown_batches = [*self.imports.shown_batches(), *self._lone]
        self._set_rows(keys, keep_line=not live)

    def _page(self) -> int:
        """How many rows the table shows at once (estimated before it is laid out)."""
        height = self.table.scrollable_content_region.height - 1
        if height > 0:
            return height
        size = self.table.app.size
        return rows_on_screen_estimate(size.width, size.height, self._wide_from)

    def apply_changes(self, changed: Iterable[str]) -> None:
        """Redraw the changed batches' rows (if on screen); a batch gone, or no longer
        matching the filter, leaves; one that now matches joins; rows outside imports whose
        sort key moved them past a neighbour are put back in order."""
        table = self.table
        changed = list(changed)
        query = Query.parse(self.query)
        lone = set(self._lone)
        kept: list[BatchState] = []  # batches outside imports that match, for the live order
        regroup = False
        for batch_id in changed:
            state = self._states.get(batch_id)
            on_screen = table.row_index(batch_id) is not None
            if state is None:
                regroup = regroup or on_screen or batch_id in lone or batch_id in self._members
                self._members.discard(batch_id)
                lone.discard(batch_id)
                self._live.forget(batch_id)
                continue
            if on_screen:
                drawn = self._drawn.get(batch_id)
                if drawn is None or drawn.state is not state:
                    table.refresh_row(batch_id)
            matching = matches(state, query, self.rules)
            if self.imports.member_of(batch_id) is not None:
                if matching != (batch_id in self._members):
                    regroup = True
                    if matching:
                        self._members.add(batch_id)
                    else:
                        self._members.discard(batch_id)
                continue
            if not matching:
                if batch_id in lone:
                    regroup = True
                    lone.discard(batch_id)
                self._live.forget(batch_id)
                continue
            kept.append(state)
            regroup = regroup or batch_id not in lone
        keys_of_imports = self.imports.keys_of(changed)
        for key in keys_of_imports:
            table.refresh_row(key)
        if keys_of_imports and query.states & _IMPORT_STATE_KEYS:
            regroup = True  # an import's state may match the filter now, or no longer
        moved = self._live.update(kept, table.row_keys, table.row_index)
        if regroup:
            joining = [state.batch_id for state in kept if state.batch_id not in lone]
            self._lone = self._live.sorted([*(b for b in self._lone if b in lone), *joining])
            self._reorder_due = self._reorder_urgent = False
            self.rearrange(live=True)
        elif moved:
            self._reorder_due = True
            self._reorder_urgent = self._reorder_urgent or any(
                condition_of(self._states[batch_id], self.rules).block is Block.PERSON
                for batch_id in moved
            )

    def tick(self, on_beat: bool) -> None:
        """The once-a-second pass: rows put in place; on the beat, the rows on screen whose time
        texts now read differently and every import's row (its ETA, rate and times)."""
        self._ticks_since_reorder += 1
        if self._reorder_due and (
            self._reorder_urgent or self._ticks_since_reorder >= REORDER_TICKS
        ):
            self._reorder_due = self._reorder_urgent = False
            self._ticks_since_reorder = 0
            self._lone = self._live.sorted(self._lone)
            self.rearrange(live=True)
        if self.imports.state_changed:
            self.imports.state_changed = False
            if Query.parse(self.query).states & _IMPORT_STATE_KEYS:
                self.rearrange(live=True)  # a stall comes with time, not with a change
        if not on_beat:
            return  # time texts change on the beat (`_changes_at`), new states are drawn on it
        now = self._clock.now()
        timed = [placed.key for placed in self.table.shown_columns]
        timed = [key for key in timed if key in cells.TIMED_COLUMNS]
        for batch_id in self.table.visible_keys:
            if name_of_key(batch_id) is not None:
                self.table.refresh_row(batch_id)
                continue
            if not timed:
                continue
            state = self._states.get(batch_id)
            drawn = self._drawn.get(batch_id)
            if state is None or (drawn and drawn.state is state and now < drawn.changes_at):
                continue
            texts = tuple(cells.timed_words(key, state, now, self.rules) for key in timed)
            if drawn is None or texts != drawn.texts:
                self.table.refresh_row(batch_id)
            elif drawn.state is state:
                changes_at = self._changes_at(timed, state, now)
                self._drawn[batch_id] = drawn._replace(changes_at=changes_at)

    def _changes_at(self, timed: Sequence[str], state: BatchState, now: float) -> float:
        """When the row's time texts are next looked at, its state unchanged: the beat on or
        after the first moment one of them may read differently."""
        return on_the_beat(
            min(
                (cells.timed_changes_at(key, state, now, self.rules) for key in timed),
                default=math.inf,
            )
        )

    def _set_rows(self, keys: Iterable[str], *, keep_line: bool = True) -> None:
        self.table.set_rows(keys, keep_line=keep_line)
        for gone in self._drawn.keys() - set(self.table.row_keys):
            del self._drawn[gone]
