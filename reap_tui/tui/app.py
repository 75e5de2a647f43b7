"""The dashboard app: its keys, its layout, start-up and shutdown.

What it holds and how it draws are `core.DashboardCore`'s; what its keys do are
`actions.BatchActions`' and (columns, environments, the view) `view_actions.ViewActions`'.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Container
from textual.widgets import Footer

from reap_tui.tui.batch_rows import GroupedTable
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.core import WIDE_FROM
from reap_tui.tui.dashboard_config import DashboardConfig, EngineFactory
from reap_tui.tui.filterbox import FilterBox
from reap_tui.tui.header import NO_KEY
from reap_tui.tui.ordering import COLUMN_ORDERS
from reap_tui.tui.outside import OutsideEvents

__all__ = ["DashboardApp", "DashboardConfig", "EngineFactory"]


def _dashboard_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens."""
    from reap_tui.tui.palette import DashboardCommands

    return DashboardCommands


class KeysFooter(Footer):
    """The footer with its keys in the first frame: Textual's waits for the bindings to be
    announced, so the first frame had an empty footer that filled in a moment later. The
    dashboard's keys are the app's own, known before anything is focused."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self.set_reactive(Footer._bindings_ready, True)


class DashboardApp(OutsideEvents):
    TITLE = "reap-tui"
    CSS_PATH = "dashboard.tcss"
    # The detail pane beside the table only where the table keeps the columns it has at 120
    # columns (with the pane below): from 180 the table is still 120 wide beside a 60-wide pane.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]  # noqa: RUF012
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
        Binding("C", "choose_columns", "Columns", show=False),
        Binding("e", "switch_environment", "Environment", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("t", "toggle_utc", "Local/UTC", show=False),
        Binding("b", "toggle_raw", "Raw body", show=False),
        Binding("k", "enter_key", "Key", show=False),
        Binding("O", "overwrite_list", "Overwrite the unreadable watch list", show=False),
        Binding("n", "notifications", "Log", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._banner
        yield self._elsewhere
        with Container(id="body"):
            yield self.table
            with self._detail.container:
                yield self._detail.body
        yield FilterBox(placeholder="filter: label, id or status (escape clears)", id="filter")
        yield KeysFooter()

    def on_mount(self) -> None:
        # The layout for the terminal's width in the first frame (Textual sets these classes
        # on its first resize event, after the first frame: at 200 columns the pane jumped).
        wide = self.size.width >= self.HORIZONTAL_BREAKPOINTS[-1][0]
        self.screen.set_class(wide, "-wide").set_class(not wide, "-narrow")
        self._restore_environment()
        self._arrange()
        self._restore_view()
        self._show_elsewhere()
        self._render_header()
        self._render_detail()
        self._update_sort_title()
        self.table.focus()
        self._start_timers()
        self._tell_state_problem()
        if self._config.ui_state_problem:
            self.notify(
                f"{self._config.ui_state_problem}\nThe default columns are used; the file is "
                "left as it is.",
                title="Saved column choice",
                severity="warning",
                timeout=30,
            )
        if self._key_state == NO_KEY:
            self.notify("No API key: press k to enter one for this session.", severity="warning")
        self.start_outside()  # signals, the terminal's end, changes to the watch list's file
        self.call_after_refresh(self._start_engine)

    def on_resize(self) -> None:
        self._render_header()
        self._detail.forget()  # the pane's lines at its new width
        self._render_detail()

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
        self._stop_timers()
        if self._engine is not None:
            await self._engine.aclose()
        for client in self._clients.values():
            await client.aclose()
        saved = self._saved_states
        if saved is not None:
            saved.changed(self._dirty)
            self._save_view()
            if not saved.save(self._states):
                self.save_error = saved.db.trouble or "the last known states could not be saved"
            saved.close()
        self.end_outside()

    async def on_unmount(self) -> None:
        await self.shutdown()
