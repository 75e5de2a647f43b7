"""What the dashboard shows and how: the column chooser (C), the environment shown (e), the view
restored at start, and a screenshot that lands in a folder that exists.

Switching the environment (`e`): the states of the one shown are saved and its batches are
unwatched (their pollers cancelled); the next environment of the watch list is shown with its
own client. Only the environment the dashboard started with has the key in force (a key
belongs to one environment: sandbox and production keys differ), so another one's client has
no key: nothing is sent and its batches say "key needed (k)" until a key is entered for it.
A key entered there stays with that environment's client, and the first one keeps its own. A
run polling faster than documented (`--speed`) never shows a host that is not loopback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_downloads_path
from textual.app import SystemCommand
from textual.screen import Screen
from textual.widgets import Input

from reap_tui.api.client import ReapClient
from reap_tui.config import cadence_problem
from reap_tui.tui import counts
from reap_tui.tui.actions import BatchActions
from reap_tui.tui.column_choice import ColumnChoice
from reap_tui.tui.column_chooser import ColumnChooser
from reap_tui.tui.columns import fit_columns
from reap_tui.tui.environments import Place, elsewhere_text, next_place, places
from reap_tui.tui.header import NO_KEY
from reap_tui.tui.import_rows import import_key
from reap_tui.tui.ordering import SORT_ORDERS
from reap_tui.ui_state import UiStateError, save_columns

if TYPE_CHECKING:
    from reap_tui.tui.palette import PaletteAction


class ViewActions(BatchActions):
    # -- environments ------------------------------------------------------------------------

    def _places(self) -> list[Place]:
        here = Place(self._environment, self._client.base_url, 0)
        return places(self._watchlist.entries, here)

    def _show_elsewhere(self) -> None:
        """The line over the table naming the batches of other environments, if any."""
        text = elsewhere_text(self._places(), self._client.base_url)
        self._elsewhere.display = text is not None
        if text is not None:
            self._elsewhere.update(text)

    def action_switch_environment(self) -> None:
        all_places = self._places()
        target = next_place(all_places, self._client.base_url)
        if target is None:
            self.notify(
                f"Every batch of the watch list is in {self._environment}: there is no other "
                "environment to show."
            )
            return
        problem = cadence_problem(self.engine.cadence, target.base_url)
        if problem is not None:
            self.notify(
                f"{target.environment} ({target.base_url}) is not polled by this run: its "
                f"polling is faster than Reap documents ({problem}; --speed). Start reap-tui "
                f"with --env {target.environment} (or --base-url) to show it.",
                title="Not switched",
                severity="warning",
                timeout=20,
            )
            return
        self._leave_environment()
        self._enter_environment(target)

    def _leave_environment(self) -> None:
        """Save what the environment shown has seen, and stop checking its batches."""
        self._apply_changes()
        saved = self._saved_states
        if saved is not None:
            saved.changed(self._states)
            saved.save(self._states)
            self._save_view()
            self._tell_state_problem()
            saved.close()
            self._saved_states = None
            self._view_memory = None
        for batch_id in list(self._states):
            self.engine.unwatch(batch_id)
        self._states.clear()
        self._dirty.clear()
        self._pending_notices.clear()
        self._counts = counts.StatusCounts(self._rules)
        self._detail.forget()

    def _enter_environment(self, target: Place) -> None:
        client = self._clients.get(target.base_url)
        if client is None:
            client = self._new_client(target.base_url)
            self._clients[target.base_url] = client
            self._key_states[target.base_url] = NO_KEY
        self._client = client
        self._environment = target.environment
        self._key_state = self._key_states[target.base_url]
        self._restore_environment()
        self._start_engine()
        self._apply_changes()
        self._arrange()
        self.table.move_cursor(0)
        self._update_sort_title()
        self._show_elsewhere()
        self._render_header()
        self._render_detail()
        shown = f"Showing the {len(self._states)} batches in {target.environment}"
        if client.has_api_key:
            self.notify(f"{shown} ({target.base_url}).", title="Environment")
        else:
            self.notify(
                f"{shown} ({target.base_url}). No key is set for it, so nothing is sent: "
                "press k to enter this environment's key. The key of the environment started "
                "with is never sent to another host.",
                title="Environment",
                severity="warning",
                timeout=20,
            )

    def _new_client(self, base_url: str) -> ReapClient:
        """A client of `base_url` with no key (closed with the others at shutdown)."""
        factory = self._config.client_factory
        if factory is not None:
            return factory(base_url)
        return ReapClient(base_url, None, clock=self._clock)

    # -- columns -----------------------------------------------------------------------------

    def action_choose_columns(self) -> None:
        def fitting(choice: ColumnChoice) -> frozenset[str]:
            width = self.table.scrollable_content_region.width
            return frozenset(placed.key for placed in fit_columns(choice.columns(), width))

        def chosen(choice: ColumnChoice | None) -> None:
            if choice is not None:
                self._use_columns(choice)
                self._keep_columns(choice)

        self.push_screen(ColumnChooser(self._column_choice, self._use_columns, fitting), chosen)

    def _use_columns(self, choice: ColumnChoice) -> None:
        self._column_choice = choice
        self.table.set_columns(choice.columns())

    def _keep_columns(self, choice: ColumnChoice) -> None:
        """Save the choice in ui-state.toml (never in config.toml)."""
        path = self._config.ui_state_path
        if path is None:
            return
        hidden = [key for key in choice.order if key in choice.hidden]
        try:
            save_columns(path, choice.shown, hidden)
        except (UiStateError, OSError) as error:
            self.notify(
                f"The column choice is used until you quit, but could not be saved: {error}",
                title="Columns",
                severity="warning",
                timeout=20,
            )

    # -- the view at start ---------------------------------------------------------------------

    def _restore_view(self) -> None:
        """The sort, filter, selection and imports folded or opened of the last run on this
        watch list."""
        memory = self._view_memory
        if memory is None:
            return
        view = memory.read()
        self._sort = SORT_ORDERS.get(view.sort, self._sort)
        self._reverse = view.reverse
        self._imports.restore_folding(view.collapsed, view.opened)
        if view.query:
            self._rows.query = view.query
            box = self.query_one("#filter", Input)
            box.value = view.query
            box.add_class("-shown")
        self._arrange()
        if view.selected is not None and not self.table.select(view.selected):
            folded_in = self._imports.member_of(view.selected)
            if folded_in is not None:
                self.table.select(import_key(folded_in))  # its import, folded since

    def palette_actions(self) -> list[PaletteAction]:
        from reap_tui.tui.palette import PaletteAction

        return [
            *super().palette_actions(),
            PaletteAction("Choose the columns", "C", self.action_choose_columns),
            PaletteAction("Show another environment", "e", self.action_switch_environment),
        ]

    # -- screenshot ----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                yield SystemCommand(
                    "Screenshot",
                    "Save an SVG 'screenshot' of the screen (Downloads, or this folder)",
                    lambda: self.set_timer(0.1, self.action_save_screenshot),
                )
            else:
                yield command

    def action_save_screenshot(self) -> None:
        """Into the Downloads folder if there is one, else the current folder."""
        downloads = user_downloads_path()
        folder = downloads if downloads.is_dir() else Path.cwd()
        try:
            saved = self.save_screenshot(path=str(folder))
        except OSError as error:
            self.notify(f"{error}", title="Screenshot not saved", severity="error")
            return
        self.notify(f"Saved to {saved}", title="Screenshot")
