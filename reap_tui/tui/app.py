"""The dashboard app: its keys, its layout, start-up and shutdown.

What it holds and how it draws are `core.DashboardCore`'s; what its keys do are
`actions.BatchActions`'.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Container, VerticalScroll
from textual.widgets import Footer

from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.saved_states import SavedStates
from reap_tui.gcpause import long_lived
from reap_tui.tui.actions import BatchActions
from reap_tui.tui.batch_rows import GroupedTable
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.core import (
    FLUSH_INTERVAL,
    TICK_INTERVAL,
    DashboardConfig,
    EngineFactory,
)
from reap_tui.tui.filterbox import FilterBox
from reap_tui.tui.header import NO_KEY
from reap_tui.tui.ordering import COLUMN_ORDERS

__all__ = ["DashboardApp", "DashboardConfig", "EngineFactory"]


def _dashboard_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens."""
    from reap_tui.tui.palette import DashboardCommands

    return DashboardCommands


class DashboardApp(BatchActions):
    TITLE = "reap-tui"
    CSS_PATH = "dashboard.tcss"
    # The detail pane beside the table only where the table keeps the columns it has at 120
    # columns (with the pane below): from 170 the table is still 120 wide.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (170, "-wide")]  # noqa: RUF012
    COMMANDS = App.COMMANDS | {_dashboard_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("u", "upload", "Upload"),
        Binding("d", "remove", "Remove"),
        Binding("r", "check_now", "Check"),
        Binding("R", "check_all", "Check all", show=False),
        Binding("space", "toggle_pause", "Pause"),
        Binding("P", "toggle_pause_all", "Pause all", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("t", "toggle_utc", "Local/UTC", show=False),
        Binding("b", "toggle_raw", "Raw body", show=False),
        Binding("k", "enter_key", "Key", show=False),
        Binding("n", "notifications", "Log", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._banner
        with Container(id="body"):
            yield self.table
            with VerticalScroll(id="detail"):
                yield self._detail_body
        yield FilterBox(placeholder="filter: label, id or status (escape clears)", id="filter")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        skipped = self._restore()
        self._arrange()
        self._render_header()
        self._render_detail()
        self._update_sort_title()
        self.query_one("#detail").border_title = "Selected batch"
        self.table.focus()
        self._refresh_timers = [
            self.set_interval(FLUSH_INTERVAL, self._apply_changes),
            self.set_interval(TICK_INTERVAL, self._tick),
            self.set_interval(self.state_save_interval, self._save_states),
        ]
        self._tell_state_problem()
        if skipped:
            self.notify(
                f"{skipped} watched batches belong to another environment and are not shown.",
                title="Other environments",
            )
        if self._key_state == NO_KEY:
            self.notify("No API key: press k to enter one for this session.", severity="warning")
        self.call_after_refresh(self._start_engine)

    # -- start-up ------------------------------------------------------------------------------

    def _restore(self) -> int:
        """Show every watched batch of this environment as last saved; nothing is sent yet.
        Returns how many watched batches belong to another environment."""
        base_url = self._client.base_url
        self._imports.set_imports(self._watchlist.imports, base_url)
        with long_lived():
            saved = SavedStates.open(self._watchlist, self._clock, base_url)
            self._saved_states = saved
            skipped = 0
            for entry in self._watchlist.entries:
                if entry.base_url != base_url:
                    skipped += 1
                    continue
                state = saved.initial_state(entry)
                self._states[entry.batch_id] = state
                self._counts.update(state)
                self._to_watch.append(
                    WatchTarget(
                        batch_id=entry.batch_id,
                        client=self._client,
                        label=entry.label,
                        uploaded_at=entry.uploaded_at,
                        initial=state,
                        in_import=self._imports.membership(entry.batch_id),
                    )
                )
        return skipped

    def on_resize(self) -> None:
        self._render_header()

    @on(BatchTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._render_detail()

    @on(BatchTable.RowSelected)
    def _row_selected(self, event: BatchTable.RowSelected) -> None:
        self.fold_import(event.key, None)

    @on(GroupedTable.Fold)
    def _row_folded(self, event: GroupedTable.Fold) -> None:
        self.fold_import(event.key, event.folded)

    @on(BatchTable.HeaderSelected)
    def _header_selected(self, event: BatchTable.HeaderSelected) -> None:
        order = COLUMN_ORDERS.get(event.column)
        if order is None:
            return
        self._reverse = not self._reverse if order.name == self._sort.name else False
        self._sort = order
        self._arrange()
        self._update_sort_title()

    # -- shutdown ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the timers, wait for every check to end, then save what changed. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        for timer in self._refresh_timers:
            timer.stop()
        if self._engine is not None:
            await self._engine.aclose()
        await self._client.aclose()
        saved = self._saved_states
        if saved is not None:
            saved.changed(self._dirty)
            if not saved.save(self._states):
                self.save_error = saved.db.trouble or "the last known states could not be saved"
            saved.close()

    async def on_unmount(self) -> None:
        await self.shutdown()
